import {Box, Text} from 'ink';
import {theme} from '../theme.js';
import {useKeys} from '../hooks/use-latest-input.js';
import {keyPriority} from '../key-router.js';

/** A yes/no question that has the keyboard: `y` or `enter` says yes, anything else no. */
export function ConfirmPrompt({
	question,
	detail,
	onAnswer,
	width,
}: {
	readonly question: string;
	readonly detail?: string;
	readonly onAnswer: (yes: boolean) => void;
	readonly width: number;
}) {
	useKeys(
		(input, key) => {
			onAnswer(input === 'y' || input === 'Y' || key.return);
			return true;
		},
		{priority: keyPriority.modal},
	);
	return (
		<Box
			flexDirection="column"
			width={Math.min(width, 72)}
			borderStyle="round"
			borderColor={theme.warn}
			paddingX={1}
		>
			<Text bold>{question}</Text>
			{detail === undefined ? undefined : <Text>{detail}</Text>}
			<Text color={theme.muted}>y / enter: yes · any other key: no</Text>
		</Box>
	);
}
