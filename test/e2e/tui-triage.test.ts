/**
 * Triage in the TUI end to end: the built CLI in a real pty, keys typed as a person types them,
 * every change checked where it has to land — `.beads/tasks.jsonl` — and the graph view on the
 * beads project's own export at the size of a plain terminal.
 */
import {mkdirSync, readFileSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import stringWidth from 'string-width';
import stripAnsi from 'strip-ansi';
import {afterEach, describe, expect, it, vi} from 'vitest';
import {runCli} from '../helpers/cli.js';
import {processesOf} from '../helpers/processes.js';
import {repoWith, tempRepo} from '../helpers/temp-repo.js';
import {occurrences, startTui, type Tui} from '../helpers/tui-pty.js';

const started: Tui[] = [];
afterEach(() => {
	for (const tui of started.splice(0)) tui.kill();
});

const keys = {enter: '\r', tab: '\t', esc: '\u001B'} as const;

// A specialist: a profile that lists no skills is a generalist and would take the tasks that
// need a skill nobody has (PRODUCT.md §5), which must stay untaken here.
const config = {
	agents: [{profile: 'simulated', count: 1, skills: ['sim']}],
	graceSeconds: 1,
	notifications: false,
};

interface Stored {
	readonly id: string;
	readonly title: string;
	readonly status: string;
	readonly priority: string;
	readonly dependencies: readonly string[];
	readonly retryCount: number;
	readonly lastError?: string;
	readonly failureType?: string;
}

function stored(cwd: string): Map<string, Stored> {
	const text = readFileSync(path.join(cwd, '.beads', 'tasks.jsonl'), 'utf8');
	const tasks = text
		.trim()
		.split('\n')
		.map((line) => JSON.parse(line) as Stored);
	return new Map(tasks.map((task) => [task.id, task]));
}

/** Polls the store until `check` passes; on timeout, `check`'s own failure is the test's. */
async function storeShows(cwd: string, check: (tasks: Map<string, Stored>) => void): Promise<void> {
	await vi.waitFor(
		() => {
			check(stored(cwd));
		},
		{timeout: 10_000, interval: 50},
	);
}

const clockOf = (screen: string) => /\b(?:\d+:)?\d\d:\d\d\b/.exec(screen.split('\n')[0] ?? '')?.[0];

/**
 * Waits until a component that `shown` is the first frame of can hear keys. Ink subscribes it to
 * stdin in an effect that runs after that frame is written, and a key arriving in between is lost;
 * React runs those effects before it renders again, so a later frame (the status bar's clock ticks
 * every second) means the keys are live.
 */
async function keysLive(tui: Tui, shown: string): Promise<void> {
	const clock = clockOf(shown);
	expect(clock).toBeDefined();
	await tui.waitFor((text) => clockOf(text) !== clock, `the clock past ${clock ?? '?'}`);
}

/** `q`, then `y` if it asks (it does while an agent works); resolves to the exit code. */
async function quit(tui: Tui): Promise<number> {
	let code: number | undefined;
	void tui.exited.then((exitCode) => {
		code = exitCode;
	});
	// The app's own keys are switched off and on again around every overlay.
	await keysLive(tui, await tui.waitFor(() => true, 'a frame'));
	tui.type('q');
	const asked = await tui.waitFor(
		(text) => code !== undefined || text.includes('Quit?'),
		'the quit question or the exit',
	);
	if (code === undefined) {
		await keysLive(tui, asked);
		tui.type('y');
	}

	return tui.exited;
}

async function noProcessesLeft(cwd: string): Promise<void> {
	await vi.waitFor(
		() => {
			expect(processesOf(cwd)).toEqual([]);
		},
		{timeout: 10_000},
	);
}

describe('triage in the tasks view', () => {
	it('filters, retries, changes a priority and adds a task, each one in the store; follows the CLI', async () => {
		// The one agent holds `keep` for the whole test; the others no agent could take (a skill
		// nobody has, an unfinished dependency, a blocker), so only the keys below change them.
		const tasks = [
			{id: 'keep', title: 'Keeps the agent busy', sim: {ms: 600_000, output: 'lines'}},
			{
				id: 't-failed',
				title: 'Flaky migration',
				status: 'failed',
				retryCount: 2,
				maxRetries: 2,
				lastError: 'exit 1: migration 0042 failed',
				failureType: 'error',
				requiredSkills: ['nobody'],
			},
			{id: 't-base', title: 'Schema groundwork', requiredSkills: ['nobody']},
			{id: 't-after', title: 'Wire the API', dependencies: ['t-base']},
			{id: 't-held', title: 'Waits for design', status: 'blocked', blockers: ['design review']},
		];
		const cwd = await repoWith(tasks, config);
		const tui = startTui(cwd, [], {cols: 120, rows: 36});
		started.push(tui);
		await tui.waitFor((text) => text.includes('simulated-1 · keep'), 'the agent on keep');
		tui.type('2');
		let shown = await tui.waitFor((text) => text.includes('5/5 tasks'), 'the task table');
		await keysLive(tui, shown);

		// Filter.
		tui.type('/');
		shown = await tui.waitFor((text) => /^\/ /m.test(text), 'the filter line');
		await keysLive(tui, shown);
		tui.type('status:failed');
		await tui.waitFor(
			(text) => text.includes('1/5 tasks') && text.includes('filter: status:failed'),
			'the failed tasks only',
		);
		tui.type(keys.enter);
		shown = await tui.waitFor((text) => !/^\/ /m.test(text), 'the filter line closed');
		expect(shown).toMatch(/^› ✗ t-failed .*Flaky migration/m);
		for (const gone of ['keep', 't-base', 't-after', 't-held'])
			expect(shown).not.toMatch(new RegExp(`^. . ${gone} `, 'm'));
		await keysLive(tui, shown);

		// Retry the selected failed task.
		expect(stored(cwd).get('t-failed')).toMatchObject({status: 'failed', retryCount: 2});
		tui.type('r');
		await tui.waitFor(
			(text) => text.includes('t-failed retried') && text.includes('0/5 tasks'),
			'the retry said, and the task gone from the failed ones',
		);
		await storeShows(cwd, (now) => {
			const retried = now.get('t-failed');
			expect(retried).toMatchObject({status: 'ready', retryCount: 0, maxRetries: 2});
			expect(retried?.lastError).toBeUndefined();
			expect(retried?.failureType).toBeUndefined();
		});

		// Change a priority: esc clears the filter, a new one picks the task.
		tui.type(keys.esc);
		await tui.waitFor((text) => text.includes('5/5 tasks'), 'every task again');
		tui.type('/');
		shown = await tui.waitFor((text) => /^\/ /m.test(text), 'the filter line');
		await keysLive(tui, shown);
		tui.type('id:t-after');
		await tui.waitFor((text) => text.includes('1/5 tasks'), 't-after alone');
		tui.type(keys.enter);
		shown = await tui.waitFor((text) => !/^\/ /m.test(text), 'the filter line closed');
		await keysLive(tui, shown);
		expect(stored(cwd).get('t-after')?.priority).toBe('medium');
		tui.type('p');
		await tui.waitFor(
			(text) => text.includes('t-after priority high') && /^› . t-after +high /m.test(text),
			'the new priority',
		);
		await storeShows(cwd, (now) => {
			expect(now.get('t-after')?.priority).toBe('high');
		});

		// A new task with the form.
		tui.type(keys.esc);
		await tui.waitFor((text) => text.includes('5/5 tasks'), 'every task again');
		tui.type('n');
		shown = await tui.waitFor((text) => text.includes('New task'), 'the new-task form');
		await keysLive(tui, shown);
		tui.type('Document the triage keys');
		await tui.waitFor((text) => /title +Document the triage keys/.test(text), 'the title typed');
		tui.type(keys.tab);
		await tui.waitFor((text) => /› priority +‹ medium ›/.test(text), 'the priority field');
		tui.type('h');
		await tui.waitFor((text) => /› priority +‹ high ›/.test(text), 'high chosen');
		tui.type(keys.tab);
		shown = await tui.waitFor((text) => text.includes('› depends on'), 'the dependencies field');
		await keysLive(tui, shown);
		tui.type('t-base');
		await tui.waitFor((text) => /› depends on +t-base/.test(text), 'the dependency typed');
		tui.type(keys.enter);
		const added = await tui.waitFor(
			(text) => text.includes('6/6 tasks') && text.includes('Added '),
			'the task added',
		);
		const id = /Added (\S+): Document the triage keys/.exec(added)?.[1];
		expect(id).toMatch(/^bd-[\da-z]{4,}$/);
		await storeShows(cwd, (now) => {
			expect(now.get(id ?? '')).toMatchObject({
				title: 'Document the triage keys',
				priority: 'high',
				dependencies: ['t-base'],
				status: 'pending',
			});
		});

		// A task added by another process while the TUI runs.
		const outside = await runCli(['task', 'add', 'From outside', '--skill', 'nobody'], {cwd});
		expect(outside.code).toBe(0);
		const outsideId = outside.stdout.trim();
		await tui.waitFor(
			(text) => text.includes('7/7 tasks') && new RegExp(`${outsideId} .*From outside`).test(text),
			'the task added from outside',
		);

		expect(await quit(tui)).toBe(130);
		await noProcessesLeft(cwd);
		const end = stored(cwd);
		expect([...end.keys()].sort()).toEqual(
			['keep', 't-after', 't-base', 't-failed', 't-held', id, outsideId].sort(),
		);
		// Quitting put `keep` back and left every change made above as it was.
		expect(end.get('keep')).toMatchObject({status: 'ready', retryCount: 0});
		expect(end.get('t-failed')).toMatchObject({status: 'ready', retryCount: 0});
		expect(end.get('t-after')).toMatchObject({priority: 'high', status: 'pending'});
		expect(end.get('t-held')?.status).toBe('blocked');
		expect(end.get(id ?? '')).toMatchObject({priority: 'high', dependencies: ['t-base']});
		expect(end.get(outsideId)?.title).toBe('From outside');
	});
});

/** The selected task, as the panel under the columns names it. */
function selection(text: string): {id: string; layer: number; critical: boolean} | undefined {
	const line = text.split('\n').find((row) => /^(★ )?\S \S+ · .* · layer \d+\/\d+/.test(row)) ?? '';
	const found = /^(★ )?\S (\S+) · .* · layer (\d+)\/\d+/.exec(line);
	if (found === null) return undefined;
	return {id: found[2] ?? '', layer: Number(found[3]), critical: found[1] !== undefined};
}

/** Lines as the program wrote them (split at line ends and cursor moves) wider than `cols`. */
function overlong(raw: string, cols: number): string[] {
	// ESC as a visible stand-in while splitting, so the pattern holds no control character.
	return raw
		.replaceAll('\u001B', '␛')
		.split(/\r?\n|␛\[[\d;]*[A-HJKf]/)
		.map((line) => stripAnsi(line.replaceAll('␛', '\u001B')))
		.filter((line) => stringWidth(line) > cols);
}

const cols = 80;
const rows = 24;

/** The graph's frame: the status bar on top, the header once, layers, the hint line last. */
function whole(tui: Tui, text: string): boolean {
	const lines = text.split('\n');
	return (
		lines.length === rows &&
		// At 80 columns the status bar is in its short form: `1/1 agents · 319/704 done · …`.
		/^\d+\/\d+ agents · \d+\/\d+ done · /.test(lines[0] ?? '') &&
		lines[1]?.startsWith('★ critical path: ') === true &&
		occurrences(text, 'critical path:') === 1 &&
		// Layers hidden to the left are counted before the first title: `‹ 3 more · layer 4/9 · …`.
		lines.some((line) => /^(‹ ?\d+( more ·)? )?layer \d+\/\d+\b/.test(line)) &&
		// Ink ends its frame with a line feed, so the app draws one row short of the screen.
		lines[rows - 2]?.startsWith(' 1 panes  2 tasks  3 graph  4 log ') === true &&
		lines[rows - 1] === '' &&
		selection(text) !== undefined &&
		tui.wrappedRows().length === 0
	);
}

/** A beads export imported into a fresh repo, the TUI on it at 80×24 showing the graph. */
async function graphOf(
	name: string,
	importArgs: readonly string[],
): Promise<{cwd: string; tui: Tui; text: string; mark: number}> {
	const cwd = await tempRepo();
	mkdirSync(path.join(cwd, '.jetpack'));
	writeFileSync(path.join(cwd, '.jetpack', 'config.json'), JSON.stringify(config));
	const file = fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));
	const imported = await runCli(['import', file, ...importArgs], {cwd});
	expect(imported.code, imported.stderr).toBe(0);
	const count = stored(cwd).size;

	const tui = startTui(cwd, [], {cols, rows});
	started.push(tui);
	await tui.waitFor((text) => text.includes('simulated-1'), 'the agent pane');
	const mark = tui.raw().length;
	tui.type('3');
	const text = await tui.waitFor((screen) => whole(tui, screen), 'the graph at 80×24', 20_000);
	expect(text).toContain(`/${count} done`);
	// Long enough that `c` moves every time.
	expect(Number(/critical path: (\d+) tasks/.exec(text)?.[1])).toBeGreaterThan(1);
	await keysLive(tui, text);
	return {cwd, tui, text, mark};
}

/** Keys that move along the critical path and across layers, each seen through on the screen. */
async function walk(tui: Tui, text: string): Promise<string> {
	for (const key of ['c', 'c', 'l', 'h', 'c']) {
		const before = selection(text);
		tui.type(key);
		text = await tui.waitFor((screen) => {
			const now = selection(screen);
			if (!whole(tui, screen) || now === undefined || before === undefined) return false;
			if (key === 'c') return now.critical && now.id !== before.id;
			if (key === 'l')
				return now.layer === before.layer + 1 || screen.includes('This is the last layer.');
			return now.layer === before.layer - 1 || screen.includes('This is the first layer.');
		}, `the graph after ${key}`);
	}

	return text;
}

/** Help opens and closes, nothing ever written was wider than the screen, and `q` quits clean. */
async function answersAndQuits(cwd: string, tui: Tui, mark: number): Promise<void> {
	tui.type('?');
	const help = await tui.waitFor((screen) => screen.includes('Keys page 1/'), 'the help', 10_000);
	await keysLive(tui, help);
	tui.type('x');
	await tui.waitFor((screen) => whole(tui, screen), 'the graph again', 10_000);
	expect(overlong(tui.raw().slice(mark), cols)).toEqual([]);

	expect(await quit(tui)).toBe(130);
	await noProcessesLeft(cwd);
}

describe('the graph view on the beads project’s own exports', () => {
	it('draws beads-issues.jsonl (--all) at 80×24 without wrapping and follows j, l, c, h', async () => {
		const {cwd, tui, text: first, mark} = await graphOf('beads-issues.jsonl', ['--all']);
		expect(first).toMatch(/^⚠ \d+ missing dependencies: /m);
		const start = selection(first);
		tui.type('j');
		const moved = await tui.waitFor(
			(screen) => whole(tui, screen) && selection(screen)?.id !== start?.id,
			'the next task in the layer',
		);
		expect(selection(moved)?.layer).toBe(start?.layer);
		await walk(tui, moved);
		await answersAndQuits(cwd, tui, mark);
	});

	it('draws the large polluted export at 80×24 without wrapping and keeps answering', async () => {
		const {cwd, tui, text, mark} = await graphOf('beads-issues-2026-01-21-polluted.jsonl', []);
		await walk(tui, text);
		await answersAndQuits(cwd, tui, mark);
	});
});
