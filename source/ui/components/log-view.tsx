import {Text} from 'ink';
import type {ViewProps} from './view-props.js';

export function LogView(_props: ViewProps) {
	return <Text>log: not drawn yet</Text>;
}
