import {Text} from 'ink';
import type {ViewProps} from './view-props.js';

export function GraphView(_props: ViewProps) {
	return <Text>graph: not drawn yet</Text>;
}
