import {cleanup} from 'ink-testing-library';
import {afterEach, describe, expect, it} from 'vitest';
import {HelpOverlay} from '../../source/ui/components/help-overlay.js';
import {bindings} from '../../source/ui/keymap.js';
import {symbolLegend} from '../../source/ui/task-table.js';
import {frameWith, press, renderAt} from '../helpers/ink.js';

afterEach(() => {
	cleanup();
});

const escape = (text: string) => text.replaceAll(/[.*+?^${}()|[\]\\]/g, String.raw`\$&`);

/** Every page of the help at a terminal of `cols` × `rows` (the app gives it rows − 3). */
async function pages(cols: number, rows: number): Promise<string[]> {
	const rendered = renderAt(
		<HelpOverlay width={cols} height={rows - 3} onClose={() => undefined} />,
		cols,
	);
	const first = await frameWith(rendered, 'Keys');
	const count = Number(/page 1\/(\d+)/.exec(first)?.[1] ?? 1);
	const frames = [first];
	for (let page = 2; page <= count; page++) {
		await press(rendered, ' ');
		frames.push(await frameWith(rendered, `page ${page}/${count}`));
	}

	return frames;
}

describe('HelpOverlay', () => {
	it.each([
		[80, 24],
		[120, 40],
		[160, 45],
	])('at %i×%i keys and help never run together and nothing is cut', async (cols, rows) => {
		const frames = await pages(cols, rows);
		const text = frames.join('\n');
		expect(text).not.toContain('…');
		for (const frame of frames)
			for (const line of frame.split('\n')) expect(line.length).toBeLessThanOrEqual(cols);
		for (const binding of bindings) {
			const firstWord = binding.help.split(' ')[0] ?? '';
			expect(text).toMatch(
				new RegExp(`${escape(binding.keys.join(' '))} {2,}${escape(firstWord)}`),
			);
		}

		for (const {symbol, meaning} of symbolLegend)
			expect(text).toMatch(
				new RegExp(`${escape(symbol)} {2,}${escape(meaning.split(' ')[0] ?? '')}`),
			);
	});

	// Since the diff of a task has its keys too, the help takes three columns here: a long help
	// wraps, but every key is on the one page.
	it('shows every key on one page at 160×45', async () => {
		const frames = await pages(160, 45);
		expect(frames).toHaveLength(1);
		const frame = frames[0] ?? '';
		for (const binding of bindings)
			expect(frame).toMatch(
				new RegExp(
					`${escape(binding.keys.join(' '))} {2,}${escape(binding.help.split(' ').slice(0, 3).join(' '))}`,
				),
			);
		expect(frame).toMatch(/esc q +back to the tasks/);
		expect(frame).toMatch(/A +accept: merge the work \(asks\)/);
		expect(frame).toMatch(/↻ +stuck: behind a dependency cycle/);
	});
});
