// The tasks view and the graph view at 10,000 tasks: time to the first frame, and how long `j`
// (and a few other keys) take to reach the screen. Goal: under 100 ms each.
//
// The real `App` is rendered with Ink's real `render()` into a fake terminal (160x45, a TTY), with
// the options the CLI uses; the frames are timed as Ink writes them. Two things are set before Ink
// and React are loaded, and only then are they imported:
// - NODE_ENV=production, as the CLI sets it: React's development build is several times slower.
// - CI and CONTINUOUS_INTEGRATION are removed from the environment (and put back after the
//   imports): `is-in-ci` reads them once, at import, and when it says CI Ink writes no frames at
//   all, only <Static> output, so there would be nothing to time.
// A frame counts as on screen when Ink writes it: a real terminal's own time to draw it is not in.
import {EventEmitter} from 'node:events';
import {mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {performance} from 'node:perf_hooks';
import {setTimeout as sleep} from 'node:timers/promises';
import {printTable, row} from './stats.mjs';

const taskCount = 10_000;
const size = {columns: 160, rows: 45};
const firstFrameRuns = 5;
const keyPresses = 30;
const jumpPresses = 10;
const goal = 'goal < 100 ms';

/**
 * A project of `count` tasks as a DAG with long chains, like graph.bench.mjs (each task depends on
 * up to three of the 50 before it), with what a board in use holds: the first 30% done, a few
 * failed (with their attempts and last error), a few blocked, the rest pending or ready, and
 * priorities mixed.
 */
function project(count, {newTask, settleStatuses}) {
	let seed = 7;
	const random = () => {
		seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
		return seed / 2_147_483_648;
	};

	const pick = (list) => list[Math.floor(random() * list.length)];
	const verbs = ['Wire', 'Test', 'Refactor', 'Document', 'Migrate', 'Fix', 'Add', 'Profile'];
	const things = [
		'the loan endpoint to the repository',
		'retry backoff in the payment client',
		'the ledger export (CSV and JSON)',
		'session expiry in the auth middleware',
		'pagination of the audit log',
		'the nightly reconciliation job',
		'rate limits on the public API',
	];
	const id = (i) => `bd-${i.toString(36).padStart(4, '0')}`;
	const started = '2026-11-23T08:00:00.000Z';
	const tasks = new Map();
	let edges = 0;
	for (let i = 0; i < count; i++) {
		const dependencies = new Set();
		for (let k = 0; k < 3 && i > 0; k++)
			dependencies.add(id(Math.max(0, i - 1 - Math.floor(random() * 50))));
		edges += dependencies.size;
		const r = random();
		const priority = r < 0.05 ? 'critical' : r < 0.25 ? 'high' : r < 0.8 ? 'medium' : 'low';
		const fields = {
			id: id(i),
			title: `${pick(verbs)} ${pick(things)} (${i})`,
			priority,
			dependencies: [...dependencies],
			tags: [pick(['api', 'ui', 'infra', 'docs'])],
			estimatedMinutes: 5 + Math.floor(random() * 60),
		};
		const s = random();
		if (i < count * 0.3) {
			fields.status = 'completed';
			fields.attempts = [{n: 1, agent: 'claude-1', startedAt: started, exitCode: 0}];
			fields.completedAt = started;
		} else if (s < 0.03) {
			const tries = 1 + Math.floor(random() * 3);
			fields.status = 'failed';
			fields.retryCount = tries - 1;
			fields.failureType = 'error';
			fields.lastError = `exit code 1: 3 tests failed in ${pick(things)}`;
			fields.attempts = Array.from({length: tries}, (_, n) => ({
				n: n + 1,
				agent: `claude-${1 + (n % 4)}`,
				startedAt: started,
				exitCode: 1,
				failureType: 'error',
			}));
		} else if (s < 0.04) {
			fields.status = 'blocked';
			fields.blockers = ['waiting for the staging API keys'];
		}

		tasks.set(fields.id, newTask(fields));
	}

	return {tasks: settleStatuses(tasks, new Date()), edges};
}

/** A RunControl with four idle agents and nothing running, like test/helpers/fake-run.ts. */
function idleRun() {
	const screen = {cols: 80, rows: 24, lines: [], cursor: {x: 0, y: 0}};
	const source = {screen: () => screen, onScreen: () => ({dispose() {}})};
	const snapshot = {
		runId: 'run-bench',
		startedAt: new Date().toISOString(),
		agents: [1, 2, 3, 4].map((n) => ({name: `claude-${n}`, profile: 'claude', state: 'idle'})),
		paused: [],
		busyMs: 0,
		memoryLow: false,
		self: {rssMb: 80, heapMb: 30},
	};
	return {
		getSnapshot: () => snapshot,
		subscribe: () => () => undefined,
		onEvent: () => () => undefined,
		recentEvents: () => [],
		agentScreen: () => source,
		resizeAgent() {},
		writeToAgent() {},
		async recycleAgent() {},
		addAgent: () => undefined,
		removeAgent: () => undefined,
		async stopTask() {},
		notifyStoreChanged() {},
		async shutdown() {},
		finished: new Promise(() => undefined),
	};
}

/**
 * A terminal for Ink: stdout keeps every frame with the time it was written (taken first thing),
 * stdin hands over what `press` queued, as a raw-mode TTY does.
 */
function terminal(stripAnsi) {
	const frames = [];
	const waiters = new Set();
	const stdout = Object.assign(new EventEmitter(), {
		...size,
		isTTY: true,
		write(data) {
			const time = performance.now();
			// Frames only: not the cursor hiding or the synchronized-update brackets around a frame.
			if (data.includes('\n')) {
				const text = stripAnsi(data);
				// The first line is the status bar, whose clock ticks every second on its own.
				const frame = {time, text, body: text.slice(text.indexOf('\n') + 1)};
				frames.push(frame);
				for (const waiter of waiters) {
					if (waiter.test(frame)) {
						waiters.delete(waiter);
						waiter.resolve(frame);
					}
				}
			}

			return true;
		},
	});
	const stderr = Object.assign(new EventEmitter(), {write: () => true});
	const queued = [];
	const stdin = Object.assign(new EventEmitter(), {
		isTTY: true,
		setRawMode() {},
		setEncoding() {},
		ref() {},
		unref() {},
		resume() {},
		pause() {},
		read: () => queued.shift() ?? null,
	});
	return {
		stdout,
		stderr,
		stdin,
		frames,
		/** The next frame `test` accepts, written after this call. */
		next(test, what, timeoutMs = 5000) {
			return new Promise((resolve, reject) => {
				const waiter = {test, resolve};
				waiters.add(waiter);
				setTimeout(() => {
					if (waiters.delete(waiter)) reject(new Error(`${what}: no frame in ${timeoutMs} ms`));
				}, timeoutMs).unref();
			});
		},
		press(key) {
			queued.push(key);
			stdin.emit('readable');
		},
		/** Resolves once no frame has been written for `quietMs`. */
		async settle(quietMs = 100) {
			await sleep(200);
			while (performance.now() - (frames.at(-1)?.time ?? 0) < quietMs) await sleep(quietMs / 4);
		},
	};
}

/** Loads Ink, React and the UI the way the CLI runs them (see the note at the top). */
async function loadUi() {
	process.env.NODE_ENV = 'production';
	const {CI, CONTINUOUS_INTEGRATION} = process.env;
	delete process.env.CI;
	delete process.env.CONTINUOUS_INTEGRATION;
	try {
		const [ink, react, app, board, store, task, format, stripAnsi] = await Promise.all([
			import('ink'),
			import('react'),
			import('../../dist/ui/app.js'),
			import('../../dist/ui/repository-board.js'),
			import('../../dist/adapters/task-store.js'),
			import('../../dist/core/task.js'),
			import('../../dist/core/store-format.js'),
			import('strip-ansi'),
		]);
		return {
			render: ink.render,
			createElement: react.createElement,
			App: app.App,
			RepositoryBoard: board.RepositoryBoard,
			TaskStore: store.TaskStore,
			newTask: task.newTask,
			settleStatuses: task.settleStatuses,
			serializeStore: format.serializeStore,
			stripAnsi: stripAnsi.default,
		};
	} finally {
		if (CI !== undefined) process.env.CI = CI;
		if (CONTINUOUS_INTEGRATION !== undefined)
			process.env.CONTINUOUS_INTEGRATION = CONTINUOUS_INTEGRATION;
	}
}

/**
 * One view: `firstFrameRuns` times a fresh board (read from the file, graph built) and a fresh
 * render until the view's content is on the screen; then, on the last render, each key of `keys`
 * in turn, timed from its byte on stdin to the first frame whose text (below the status bar)
 * changed. `renderMs` is Ink's own time to turn the laid-out tree into each frame's text during
 * the keys (its `onRender` report), for where the time goes.
 */
async function measureView(ui, dir, view, marker, keys) {
	const clock = {now: () => new Date()};
	const open = () =>
		ui.RepositoryBoard.open({
			repository: new ui.TaskStore(dir, {clock}),
			clock,
			logTail: async () => [],
		});
	const opens = [];
	const firsts = [];
	const latencies = new Map();
	const renderMs = [];
	let pressing = false;
	for (let i = 0; i < firstFrameRuns; i++) {
		const t0 = performance.now();
		const board = await open();
		opens.push(performance.now() - t0);
		const term = terminal(ui.stripAnsi);
		const shown = term.next((frame) => frame.text.includes(marker), `${view} first frame`);
		const start = performance.now();
		const app = ui.render(ui.createElement(ui.App, {run: idleRun(), board, initialView: view}), {
			stdout: term.stdout,
			stderr: term.stderr,
			stdin: term.stdin,
			exitOnCtrlC: false,
			patchConsole: false,
			incrementalRendering: false,
			maxFps: 60,
			debug: false,
			onRender({renderTime}) {
				if (pressing) renderMs.push(renderTime);
			},
		});
		firsts.push((await shown).time - start);
		await term.settle();
		if (i === firstFrameRuns - 1) {
			pressing = true;
			for (const key of keys) {
				const before = term.frames.at(-1)?.body;
				const moved = term.next((frame) => frame.body !== before, `${view}: \`${key}\``);
				const sent = performance.now();
				term.press(key);
				const time = (await moved).time - sent;
				latencies.set(key, [...(latencies.get(key) ?? []), time]);
				await sleep(50);
			}

			pressing = false;
		}

		app.unmount();
		app.cleanup();
	}

	return {opens, firsts, latencies, renderMs};
}

export async function run() {
	const ui = await loadUi();
	const dir = mkdtempSync(path.join(os.tmpdir(), 'jetpack-bench-views-'));
	try {
		const {tasks, edges} = project(taskCount, ui);
		mkdirSync(path.join(dir, '.beads'));
		const file = path.join(dir, '.beads', 'tasks.jsonl');
		writeFileSync(file, ui.serializeStore(tasks));
		const about = `${tasks.size.toLocaleString('en')} tasks, ${edges.toLocaleString('en')} edges, ${(statSync(file).size / 1e6).toFixed(1)} MB`;

		// j and k alternate, so every press moves the selection whatever the length of the list (or
		// of the graph's layer); then G and g, to the last task and back.
		const keys = [
			...Array.from({length: keyPresses * 2}, (_, i) => (i % 2 === 0 ? 'j' : 'k')),
			...Array.from({length: jumpPresses * 2}, (_, i) => (i % 2 === 0 ? 'G' : 'g')),
		];
		const measured = [
			['tasks view', await measureView(ui, dir, 'tasks', `/${taskCount} tasks`, keys)],
			['graph view', await measureView(ui, dir, 'graph', '★ critical path', keys)],
		];

		const rows = [
			row(
				'board open: read + parse + buildGraph',
				measured.flatMap(([, result]) => result.opens),
				`TaskStore, ${about}`,
			),
		];
		for (const [name, {firsts, latencies, renderMs}] of measured) {
			rows.push(
				row(`${name}: first frame`, firsts, `${goal}; render() until the view is written`),
				row(`${name}: j to screen`, latencies.get('j'), goal),
				row(`${name}: k to screen`, latencies.get('k'), goal),
				row(
					`${name}: G / g to screen`,
					[...latencies.get('G'), ...latencies.get('g')],
					`${goal}; G to the end of the list (layer), g back`,
				),
				row(`${name}: Ink frame render`, renderMs, 'part of each key: tree to text, per frame'),
			);
		}

		printTable(
			`Tasks and graph views, ${taskCount.toLocaleString('en')} tasks, ${size.columns}x${size.rows}, NODE_ENV=production`,
			rows,
		);
	} finally {
		rmSync(dir, {recursive: true, force: true});
	}
}
