// Issue 16: the TUI's CPU per 1,000 lines of agent output next to tmux showing the same agents,
// at 4, 8 and 16 agents (160x45, agents printing as fast as their terminal takes it, windows
// taken in turns, 3 rounds), the lines each let through, a headless run's CPU per 1,000 lines,
// and `?` → help on screen while 16 agents spew.
import {execFileSync} from 'node:child_process';
import {existsSync, mkdtempSync, readFileSync, readdirSync, rmSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {performance} from 'node:perf_hooks';
import {setTimeout as sleep} from 'node:timers/promises';
import {fileURLToPath} from 'node:url';
import {spawn} from 'node-pty';
import stripAnsi from 'strip-ansi';
import {benchRepo, percentile, printTable, row} from './stats.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const cli = path.join(here, '..', '..', 'dist', 'cli.js');
const spewer = path.join(here, 'spewer.mjs');
const windowMs = Number(process.env.PANES_WINDOW_MS ?? 8000);
const rounds = Number(process.env.PANES_ROUNDS ?? 3);
const counts = (process.env.PANES_AGENTS ?? '4,8,16').split(',').map(Number);
const size = {cols: 160, rows: 45};
const ticks = Number(execFileSync('getconf', ['CLK_TCK'], {encoding: 'utf8'}).trim()) || 100;

function cpuSeconds(pid) {
	const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
	const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
	return (Number(fields[11]) + Number(fields[12])) / ticks;
}

function env() {
	const clean = {};
	for (const [key, value] of Object.entries(process.env))
		if (value !== undefined && key !== 'CI') clean[key] = value;
	return {...clean, TERM: 'xterm-256color', FORCE_COLOR: '1'};
}

/** Lines printed so far by every spewer writing into `dir`. */
function lines(dir) {
	let total = 0;
	for (const name of readdirSync(dir))
		if (name.endsWith('.count')) total += Number(readFileSync(path.join(dir, name), 'utf8')) || 0;
	return total;
}

function setup(agents) {
	const counts = mkdtempSync(path.join(os.tmpdir(), 'jetpack-bench-counts-'));
	const tasks = Array.from({length: agents}, (_, index) => ({id: `t${index + 1}`, title: 'spew'}));
	const dir = benchRepo('jetpack-bench-panes-', tasks, {
		agents: [
			{name: 'spew', command: process.execPath, args: [spewer, '{id}', counts], count: agents},
		],
		graceSeconds: 1,
		notifications: false,
	});
	return {dir, counts};
}

/** Reads everything a pty prints; `next(text)` resolves when `text` arrives after the call. */
function watch(pty) {
	const waiters = new Set();
	pty.onData((data) => {
		for (const waiter of waiters) {
			waiter.seen = (waiter.seen + data).slice(-8192);
			if (stripAnsi(waiter.seen).includes(waiter.text)) {
				waiters.delete(waiter);
				waiter.resolve(performance.now());
			}
		}
	});
	return (text, timeoutMs = 20_000) =>
		new Promise((resolve, reject) => {
			const waiter = {text, seen: '', resolve};
			waiters.add(waiter);
			setTimeout(() => {
				if (waiters.delete(waiter)) reject(new Error(`"${text}" not seen in ${timeoutMs} ms`));
			}, timeoutMs);
		});
}

async function allSpewing(counts, agents) {
	const deadline = Date.now() + 30_000;
	while (readdirSync(counts).filter((name) => name.endsWith('.count')).length < agents) {
		if (Date.now() > deadline) throw new Error(`${agents} agents did not all start`);
		await sleep(100);
	}
	await sleep(1000);
}

/** CPU and lines over one window; `pids()` are the processes whose CPU counts. */
async function window(pids, counts) {
	const cpu = () => pids.reduce((sum, pid) => sum + cpuSeconds(pid), 0);
	const cpu0 = cpu();
	const lines0 = lines(counts);
	const t0 = performance.now();
	await sleep(windowMs);
	const wall = (performance.now() - t0) / 1000;
	// The counts are rewritten every 200 ms: read them once they have caught up with the window.
	await sleep(250);
	return {cpu: cpu() - cpu0, lines: lines(counts) - lines0, wall};
}

async function stopTui(pty, exited) {
	pty.write('q');
	await sleep(300);
	pty.write('y');
	await Promise.race([exited, sleep(15_000)]);
	try {
		pty.kill('SIGKILL');
	} catch {
		// Gone already.
	}
}

async function measureTui(agents, latency) {
	const {dir, counts} = setup(agents);
	const nodeArgs = process.env.PANES_NODE_ARGS?.split(' ') ?? [];
	const pty = spawn(process.execPath, [...nodeArgs, cli], {
		name: 'xterm-256color',
		cwd: dir,
		...size,
		env: env(),
	});
	const next = watch(pty);
	const exited = new Promise((resolve) => pty.onExit(resolve));
	await allSpewing(counts, agents);
	const result = await window([pty.pid], counts);
	const latencies = [];
	if (latency) {
		for (let i = 0; i < 12; i++) {
			const shown = next('any other key');
			const sent = performance.now();
			pty.write('?');
			latencies.push((await shown) - sent);
			await sleep(300);
			pty.write('c');
			await sleep(400);
		}
	}

	await stopTui(pty, exited);
	await remove(dir);
	await remove(counts);
	return {...result, latencies};
}

async function measureHeadless(agents) {
	const {dir, counts} = setup(agents);
	const nodeArgs = process.env.PANES_NODE_ARGS?.split(' ') ?? [];
	const pty = spawn(process.execPath, [...nodeArgs, cli, '--headless'], {
		name: 'xterm-256color',
		cwd: dir,
		...size,
		env: env(),
	});
	const exited = new Promise((resolve) => pty.onExit(resolve));
	await allSpewing(counts, agents);
	const result = await window([pty.pid], counts);
	process.kill(pty.pid, 'SIGTERM');
	await Promise.race([exited, sleep(15_000)]);
	await remove(dir);
	await remove(counts);
	return result;
}

function tmux(socket, ...args) {
	return execFileSync('tmux', ['-L', socket, '-f', '/dev/null', ...args], {encoding: 'utf8'});
}

async function measureTmux(agents) {
	const {dir, counts} = setup(agents);
	const socket = `jetpack-bench-${process.pid}`;
	const command = (id) => `${process.execPath} ${spewer} ${id} ${counts}`;
	tmux(
		socket,
		'new-session',
		'-d',
		'-s',
		'bench',
		'-x',
		String(size.cols),
		'-y',
		String(size.rows),
		'sleep 120',
	);
	const client = spawn('tmux', ['-L', socket, '-f', '/dev/null', 'attach', '-t', 'bench'], {
		name: 'xterm-256color',
		cwd: dir,
		...size,
		env: env(),
	});
	await sleep(300);
	const server = Number(tmux(socket, 'display', '-p', '#{pid}').trim());
	tmux(socket, 'respawn-pane', '-k', '-t', 'bench', command('t1'));
	for (let index = 2; index <= agents; index++) {
		tmux(socket, 'split-window', '-t', 'bench', command(`t${index}`));
		tmux(socket, 'select-layout', '-t', 'bench', 'tiled');
	}

	await allSpewing(counts, agents);
	const result = await window([server, client.pid], counts);
	try {
		tmux(socket, 'kill-server');
		client.kill('SIGKILL');
	} catch {
		// Gone already.
	}
	await remove(dir);
	await remove(counts);
	return result;
}

/** Removes `dir` once the agents that wrote into it have gone (they write their count as they go). */
async function remove(dir) {
	for (let attempt = 0; ; attempt++) {
		try {
			rmSync(dir, {recursive: true, force: true});
			return;
		} catch (error) {
			if (attempt >= 30) throw error;
			await sleep(200);
		}
	}
}

const perThousand = (r) => (r.cpu * 1e6) / Math.max(1, r.lines);
const median = (values) => percentile(values, 50);

export async function run() {
	if (!existsSync(cli)) throw new Error('dist/cli.js is missing: npm run build');
	const table = [];
	const latencies = [];
	for (const agents of counts) {
		const results = {tui: [], tmux: [], headless: []};
		for (let round = 0; round < rounds; round++) {
			results.tmux.push(await measureTmux(agents));
			results.tui.push(await measureTui(agents, agents === Math.max(...counts)));
			results.headless.push(await measureHeadless(agents));
		}

		for (const result of results.tui) latencies.push(...result.latencies);
		const per = (name) => median(results[name].map(perThousand));
		const rate = (name) => median(results[name].map((r) => r.lines / r.wall));
		const cores = (name) => median(results[name].map((r) => r.cpu / r.wall));
		table.push({agents, per, rate, cores});
	}

	console.log(
		`\nIssue 16: CPU per 1,000 agent lines, ${size.cols}x${size.rows}, agents printing as fast as they can, ${windowMs / 1000} s windows, ${rounds} rounds (medians)\n`,
	);
	console.log(
		'agents  who       ms/1k lines  lines/s   cores   vs tmux (CPU/line)  vs tmux (lines)',
	);
	console.log(
		'------  --------  -----------  --------  ------  ------------------  ---------------',
	);
	for (const {agents, per, rate, cores} of table) {
		for (const who of ['tmux', 'tui', 'headless']) {
			console.log(
				`${String(agents).padStart(6)}  ${who.padEnd(8)}  ${per(who).toFixed(2).padStart(11)}  ${rate(who).toFixed(0).padStart(8)}  ${cores(who).toFixed(2).padStart(6)}  ${(per(who) / per('tmux')).toFixed(2).padStart(17)}x  ${(rate(who) / rate('tmux')).toFixed(2).padStart(14)}x`,
			);
		}
	}

	if (latencies.length > 0)
		printTable(`Key to screen while ${Math.max(...counts)} agents spew`, [
			row(
				'`?` until the help is drawn',
				latencies,
				`p99 ${percentile(latencies, 99).toFixed(0)} ms; goal p50 < 30, p99 < 100`,
			),
		]);
}
