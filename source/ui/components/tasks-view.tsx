import {Text} from 'ink';
import type {ViewProps} from './view-props.js';

export function TasksView(_props: ViewProps) {
	return <Text>tasks: not drawn yet</Text>;
}
