import {Text} from 'ink';
import type {ViewProps} from './view-props.js';

export interface PanesViewProps extends ViewProps {
	/** The agent attach mode sends keys to, if any. */
	readonly attached: string | undefined;
	readonly onAttach: (agent: string) => void;
	/** Asks a yes/no question in the app's modal; `onYes` runs on yes. */
	readonly confirm: (question: string, detail: string | undefined, onYes: () => void) => void;
}

export function PanesView(_props: PanesViewProps) {
	return <Text>panes: not drawn yet</Text>;
}
