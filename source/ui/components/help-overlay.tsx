import {Box, Text} from 'ink';
import {bindings, views, type Scope} from '../keymap.js';
import {theme} from '../theme.js';

const titles: Record<Scope, string> = {
	global: 'Everywhere',
	panes: '1 · Panes',
	tasks: '2 · Tasks',
	graph: '3 · Graph',
	log: '4 · Log',
};

function section(scope: Scope) {
	const rows = bindings.filter((binding) => binding.scope === scope);
	return (
		<Box key={scope} flexDirection="column" marginRight={2} marginBottom={1}>
			<Text bold color={theme.accent}>
				{titles[scope]}
			</Text>
			{rows.map((binding) => (
				<Text key={`${binding.command}:${binding.keys.join()}`} wrap="truncate-end">
					<Text bold>{binding.keys.join(' ').padEnd(14)}</Text>
					{binding.help}
				</Text>
			))}
		</Box>
	);
}

/** Every key of every view, from the keymap itself. */
export function HelpOverlay({width, height}: {readonly width: number; readonly height: number}) {
	return (
		<Box
			flexDirection="column"
			width={width}
			height={height}
			borderStyle="round"
			borderColor={theme.accent}
			paddingX={1}
			overflow="hidden"
		>
			<Text bold>
				Keys <Text color={theme.muted}>(any key closes this)</Text>
			</Text>
			<Box flexDirection="row" flexWrap="wrap">
				{section('global')}
				{views.map((view) => section(view))}
				<Box flexDirection="column" marginBottom={1}>
					<Text bold color={theme.accent}>
						Attached to an agent
					</Text>
					<Text>
						<Text bold>{'ctrl-b d'.padEnd(14)}</Text>detach
					</Text>
					<Text>
						<Text bold>{'ctrl-]'.padEnd(14)}</Text>detach
					</Text>
					<Text>every other key goes to the agent</Text>
				</Box>
			</Box>
		</Box>
	);
}
