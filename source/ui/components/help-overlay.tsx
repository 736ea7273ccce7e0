import {Box, Text} from 'ink';
import {useMemo, useState} from 'react';
import {bindings, type Scope} from '../keymap.js';
import {symbolLegend} from '../task-table.js';
import {theme} from '../theme.js';
import {sliceToWidth, textWidth} from '../text-width.js';
import {useKeys} from '../hooks/use-latest-input.js';
import {keyPriority} from '../key-router.js';

const titles: Record<Scope, string> = {
	global: 'Everywhere',
	panes: '1 · Panes',
	tasks: '2 · Tasks',
	diff: '2 · Tasks › the diff of a task',
	graph: '3 · Graph',
	log: '4 · Log',
};

/** Spaces between two columns of the help. */
const columnGap = 3;
/** A column narrower than keys plus this much help is not worth it. */
const minHelpWidth = 16;

interface Entry {
	readonly keys: string;
	readonly help: string;
	readonly color?: string;
}

interface Section {
	readonly heading: string;
	readonly entries: readonly Entry[];
}

/** One drawn line: a heading, or keys and (a piece of) their help; keys are '' on a wrapped line. */
export interface HelpLine {
	readonly heading?: string;
	readonly keys?: string;
	readonly help?: string;
	readonly color?: string;
}

function sections(): Section[] {
	return [
		...(['global', 'panes', 'tasks', 'diff', 'graph', 'log'] as const).map((scope: Scope) => ({
			heading: titles[scope],
			entries: bindings
				.filter((binding) => binding.scope === scope)
				.map((binding) => ({keys: binding.keys.join(' '), help: binding.help})),
		})),
		{
			heading: 'Attached to an agent',
			entries: [
				{keys: 'ctrl-b d', help: 'detach'},
				{keys: 'ctrl-]', help: 'detach'},
				{keys: 'any other', help: 'goes to the agent'},
			],
		},
		{
			heading: 'Task symbols',
			entries: symbolLegend.map(({symbol, color, meaning}) => ({
				keys: symbol,
				help: meaning,
				color,
			})),
		},
	];
}

/** `text` in lines no wider than `width`, broken between words where it can be. */
function wrap(text: string, width: number): string[] {
	const lines: string[] = [];
	let line = '';
	for (const word of text.split(' ')) {
		const joined = line === '' ? word : `${line} ${word}`;
		if (textWidth(joined) <= width) {
			line = joined;
			continue;
		}

		if (line !== '') lines.push(line);
		let rest = word;
		while (textWidth(rest) > width) {
			const piece = sliceToWidth(rest, width);
			lines.push(piece);
			rest = rest.slice(piece.length);
		}

		line = rest;
	}

	lines.push(line);
	return lines;
}

export interface HelpLayout {
	readonly keyWidth: number;
	readonly columnWidth: number;
	/** Pages of columns of lines. */
	readonly pages: ReadonlyArray<ReadonlyArray<readonly HelpLine[]>>;
}

/**
 * Columns of `rows` lines: a section's heading stays with its first entry, an entry's wrapped lines
 * stay together, and a blank line separates sections except at the top of a column.
 */
function paginate(
	blocks: ReadonlyArray<{readonly lines: readonly HelpLine[]; readonly opensSection: boolean}>,
	rows: number,
	columns: number,
): HelpLine[][][] {
	let column: HelpLine[] = [];
	const filled: HelpLine[][] = [column];
	for (const block of blocks) {
		const gap = block.opensSection && column.length > 0 ? 1 : 0;
		if (column.length + gap + block.lines.length > rows && column.length > 0) {
			column = [];
			filled.push(column);
		} else if (gap > 0) {
			column.push({});
		}

		// A block taller than a whole column (a tiny terminal) is split where it must be.
		for (const line of block.lines) {
			if (column.length >= rows) {
				column = [];
				filled.push(column);
			}

			column.push(line);
		}
	}

	const pages: HelpLine[][][] = [];
	for (let index = 0; index < filled.length; index += columns)
		pages.push(filled.slice(index, index + columns));
	return pages;
}

/**
 * How the help fits `inner` columns by `rows` lines: keys in a column as wide as the widest keys
 * plus two spaces, help wrapped to the rest, and the number of columns that needs the fewest pages
 * (the fewest columns among those, so help is wrapped as little as possible).
 */
export function helpLayout(inner: number, rows: number): HelpLayout {
	const all = sections();
	const keyWidth =
		Math.max(...all.flatMap((section) => section.entries.map((entry) => textWidth(entry.keys)))) +
		2;
	const fit = (columns: number): HelpLayout => {
		const columnWidth = Math.floor((inner - columnGap * (columns - 1)) / columns);
		const helpWidth = Math.max(1, columnWidth - keyWidth);
		const blocks = all.flatMap((section) =>
			section.entries.map((entry, index) => {
				const lines: HelpLine[] = wrap(entry.help, helpWidth).map((help, piece) => ({
					keys: piece === 0 ? entry.keys : '',
					help,
					...(entry.color === undefined ? {} : {color: entry.color}),
				}));
				return index === 0
					? {lines: [{heading: section.heading}, ...lines], opensSection: true}
					: {lines, opensSection: false};
			}),
		);
		return {keyWidth, columnWidth, pages: paginate(blocks, Math.max(1, rows), columns)};
	};

	let best = fit(1);
	for (
		let columns = 2;
		Math.floor((inner - columnGap * (columns - 1)) / columns) >= keyWidth + minHelpWidth;
		columns++
	) {
		const candidate = fit(columns);
		if (candidate.pages.length < best.pages.length) best = candidate;
	}

	return best;
}

/**
 * Every key of every view, drawn from the keymap itself, and what the task symbols mean: in as many
 * columns as the width allows, and in pages when even that does not fit (a small terminal).
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
	// Inside the border and its padding; below the border and the title line.
	const layout = useMemo(() => helpLayout(Math.max(1, width - 4), height - 3), [width, height]);
	const pages = layout.pages.length;
	const [wanted, setPage] = useState(0);
	const page = Math.min(wanted, pages - 1);
	useKeys(
		(input, key) => {
			if ((input === ' ' || input === 'j' || key.downArrow || key.pageDown) && page < pages - 1) {
				setPage(page + 1);
			} else if ((input === 'k' || key.upArrow || key.pageUp) && page > 0) {
				setPage(page - 1);
			} else {
				onClose();
			}

			return true;
		},
		{priority: keyPriority.modal},
	);
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
				{(layout.pages[page] ?? []).map((lines, column) => (
					<Box
						// Columns and lines have no identity beyond their place on the page.
						key={column}
						flexDirection="column"
						width={layout.columnWidth}
						flexShrink={0}
						marginLeft={column === 0 ? 0 : columnGap}
					>
						{lines.map((line, index) => (
							<Text key={index} wrap="truncate-end">
								{line.heading === undefined ? (
									<>
										<Text bold color={line.color}>
											{(line.keys ?? '').padEnd(
												layout.keyWidth - textWidth(line.keys ?? '') + (line.keys ?? '').length,
											)}
										</Text>
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
