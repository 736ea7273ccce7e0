import {Box, Text} from 'ink';
import {useMemo, useState} from 'react';
import {bindings, views, type Scope} from '../keymap.js';
import {theme} from '../theme.js';
import {useLatestInput} from '../hooks/use-latest-input.js';

const titles: Record<Scope, string> = {
	global: 'Everywhere',
	panes: '1 · Panes',
	tasks: '2 · Tasks',
	graph: '3 · Graph',
	log: '4 · Log',
};

const columnWidth = 40;
const keyWidth = 13;

interface Line {
	readonly heading?: string;
	readonly keys?: string;
	readonly help?: string;
}

function helpLines(): Line[] {
	const lines: Line[] = [];
	for (const scope of ['global', ...views] as const) {
		lines.push({heading: titles[scope]});
		for (const binding of bindings.filter((candidate) => candidate.scope === scope))
			lines.push({keys: binding.keys.join(' '), help: binding.help});
		lines.push({});
	}

	lines.push(
		{heading: 'Attached to an agent'},
		{keys: 'ctrl-b d', help: 'detach'},
		{keys: 'ctrl-]', help: 'detach'},
		{keys: 'any other', help: 'goes to the agent'},
	);
	return lines;
}

/**
 * Every key of every view, drawn from the keymap itself: in as many columns as the width allows,
 * and in pages when even that does not fit (a small terminal).
 */
export function HelpOverlay({
	width,
	height,
	onClose,
}: {
	readonly width: number;
	readonly height: number;
	readonly onClose: () => void;
}) {
	const lines = useMemo(helpLines, []);
	const columns = Math.max(1, Math.floor((width - 4) / columnWidth));
	const rows = Math.max(1, height - 3);
	const perPage = columns * rows;
	const pages = Math.max(1, Math.ceil(lines.length / perPage));
	const [page, setPage] = useState(0);
	useLatestInput((input, key) => {
		if ((input === ' ' || input === 'j' || key.downArrow || key.pageDown) && page < pages - 1) {
			setPage(page + 1);
		} else if ((input === 'k' || key.upArrow || key.pageUp) && page > 0) {
			setPage(page - 1);
		} else {
			onClose();
		}
	}, true);
	const shown = lines.slice(page * perPage, (page + 1) * perPage);
	const cells = Math.max(10, Math.floor((width - 4) / columns));
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
			<Text bold wrap="truncate-end">
				Keys{' '}
				<Text color={theme.muted}>
					{pages > 1 ? `page ${page + 1}/${pages}, space/j: next, k: back; ` : ''}any other key
					closes this
				</Text>
			</Text>
			<Box flexDirection="row">
				{Array.from({length: columns}, (_, column) => (
					<Box key={column} flexDirection="column" width={cells}>
						{shown.slice(column * rows, (column + 1) * rows).map((line, index) => (
							// Lines have no identity beyond their place on the page.
							<Text key={index} wrap="truncate-end">
								{line.heading === undefined ? (
									<>
										<Text bold>{(line.keys ?? '').padEnd(keyWidth)}</Text>
										{line.help ?? ''}
									</>
								) : (
									<Text bold color={theme.accent}>
										{line.heading}
									</Text>
								)}
							</Text>
						))}
					</Box>
				))}
			</Box>
		</Box>
	);
}
