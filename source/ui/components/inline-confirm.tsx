import {Box, Text} from 'ink';
import {useRef} from 'react';
import {useKeys} from '../hooks/use-latest-input.js';
import {keyPriority} from '../key-router.js';
import {theme} from '../theme.js';

/** A yes/no question on a view's bottom lines: `y` or enter says yes, any other key no. */
export function InlineConfirm({
	question,
	detail,
	onAnswer,
}: {
	readonly question: string;
	readonly detail: string | undefined;
	readonly onAnswer: (yes: boolean) => void;
}) {
	// Answered once: a second key before this closes must not answer again.
	const answered = useRef(false);
	useKeys(
		(input, key) => {
			if (answered.current) return true;
			answered.current = true;
			onAnswer(input === 'y' || input === 'Y' || key.return);
			return true;
		},
		{priority: keyPriority.modal},
	);
	return (
		<Box flexDirection="column">
			<Text bold color={theme.warn} wrap="truncate-end">
				{question}
			</Text>
			{detail === undefined ? undefined : <Text wrap="truncate-end">{detail}</Text>}
			<Text color={theme.muted}>y / enter: yes · any other key: no</Text>
		</Box>
	);
}
