// Issue 6: the TUI's cost while 4 simulated agents spew for 12 s, next to tmux showing the same
// four `jetpack-tui simulate ID` in four tiled panes (server and an attached client, measured in
// the same run), and how long `?` takes to reach the screen meanwhile.
import {execFileSync} from 'node:child_process';
import {mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {performance} from 'node:perf_hooks';
import {setTimeout as sleep} from 'node:timers/promises';
import {fileURLToPath} from 'node:url';
import {spawn} from 'node-pty';
import stripAnsi from 'strip-ansi';
import {printTable, row} from './stats.mjs';

const cli = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));
const spewMs = 12_000;
const size = {cols: 160, rows: 45};
const ticks = Number(execFileSync('getconf', ['CLK_TCK'], {encoding: 'utf8'}).trim()) || 100;

/** CPU seconds (user + system) a process has used so far, its own, not its children's. */
function cpuSeconds(pid) {
	const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
	const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
	return (Number(fields[11]) + Number(fields[12])) / ticks;
}

function repo() {
	const dir = mkdtempSync(path.join(os.tmpdir(), 'jetpack-bench-tui-'));
	mkdirSync(path.join(dir, '.beads'));
	mkdirSync(path.join(dir, '.jetpack'));
	const tasks = ['t1', 't2', 't3', 't4'].map((id) => ({
		id,
		title: `spew ${id}`,
		sim: {ms: spewMs + 3000, output: 'spew'},
	}));
	writeFileSync(
		path.join(dir, '.beads', 'tasks.jsonl'),
		tasks.map((task) => `${JSON.stringify(task)}\n`).join(''),
	);
	writeFileSync(
		path.join(dir, '.jetpack', 'config.json'),
		JSON.stringify({
			agents: [{profile: 'simulated', count: 4}],
			graceSeconds: 1,
			notifications: false,
		}),
	);
	return dir;
}

function cleanEnv() {
	const env = {};
	for (const [key, value] of Object.entries(process.env))
		if (value !== undefined && key !== 'CI') env[key] = value;
	return {...env, TERM: 'xterm-256color', FORCE_COLOR: '1'};
}

/** Reads everything a pty prints; `next(text)` resolves when `text` arrives after the call. */
function watchOutput(pty) {
	let bytes = 0;
	const waiters = new Set();
	pty.onData((data) => {
		bytes += data.length;
		for (const waiter of waiters) {
			// Only a tail is kept: markers are short, and a frame is large.
			waiter.seen = (waiter.seen + data).slice(-4096);
			if (stripAnsi(waiter.seen).includes(waiter.text)) {
				waiters.delete(waiter);
				waiter.resolve(performance.now());
			}
		}
	});
	return {
		bytes: () => bytes,
		next(text, timeoutMs = 10_000) {
			return new Promise((resolve, reject) => {
				const waiter = {text, seen: '', resolve};
				waiters.add(waiter);
				setTimeout(() => {
					if (waiters.delete(waiter))
						reject(new Error(`"${text}" did not appear within ${timeoutMs} ms`));
				}, timeoutMs);
			});
		},
	};
}

async function measureTui() {
	const dir = repo();
	const pty = spawn(process.execPath, [...(process.env.BENCH_NODE_ARGS?.split(' ') ?? []), cli], {
		name: 'xterm-256color',
		cwd: dir,
		...size,
		env: cleanEnv(),
	});
	const out = watchOutput(pty);
	const exited = new Promise((resolve) => pty.onExit(resolve));
	await out.next('agents 4/4', 30_000);
	const cpu0 = cpuSeconds(pty.pid);
	const t0 = performance.now();
	const latencies = [];
	for (let i = 0; i < 8; i++) {
		await sleep(1000);
		const shown = out.next('any other key');
		const sent = performance.now();
		pty.write('?');
		latencies.push((await shown) - sent);
		await sleep(200);
		// Any key closes the help; `c` does nothing in the panes view.
		pty.write('c');
	}

	await sleep(Math.max(0, spewMs - (performance.now() - t0)));
	const cpu = cpuSeconds(pty.pid) - cpu0;
	const wall = (performance.now() - t0) / 1000;
	const bytes = out.bytes();
	pty.write('q');
	await sleep(300);
	pty.write('y');
	await Promise.race([exited, sleep(15_000)]);
	try {
		pty.kill('SIGKILL');
	} catch {
		// It has exited already.
	}
	rmSync(dir, {recursive: true, force: true});
	return {cpu, wall, latencies, bytes};
}

function tmux(socket, ...args) {
	return execFileSync('tmux', ['-L', socket, '-f', '/dev/null', ...args], {encoding: 'utf8'});
}

async function measureTmux() {
	const dir = repo();
	const socket = `jetpack-bench-${process.pid}`;
	const simulate = (id) => `${process.execPath} ${cli} -C ${dir} simulate ${id}`;
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
		'sleep 60',
	);
	const client = spawn('tmux', ['-L', socket, '-f', '/dev/null', 'attach', '-t', 'bench'], {
		name: 'xterm-256color',
		cwd: dir,
		...size,
		env: cleanEnv(),
	});
	const out = watchOutput(client);
	await sleep(500);
	const server = Number(tmux(socket, 'display', '-p', '#{pid}').trim());
	// Four panes tiled, each an agent: the first replaces the placeholder.
	tmux(socket, 'respawn-pane', '-k', '-t', 'bench', simulate('t1'));
	for (const id of ['t2', 't3', 't4']) {
		tmux(socket, 'split-window', '-t', 'bench', simulate(id));
		tmux(socket, 'select-layout', '-t', 'bench', 'tiled');
	}

	const cpu0 = cpuSeconds(server) + cpuSeconds(client.pid);
	const t0 = performance.now();
	await sleep(spewMs);
	const cpu = cpuSeconds(server) + cpuSeconds(client.pid) - cpu0;
	const wall = (performance.now() - t0) / 1000;
	try {
		tmux(socket, 'kill-server');
		client.kill('SIGKILL');
	} catch {
		// Gone already: the panes' commands ended and took the session with them.
	}
	rmSync(dir, {recursive: true, force: true});
	return {cpu, wall, bytes: out.bytes()};
}

export async function run() {
	const tui = await measureTui();
	const tmuxResult = await measureTmux();
	console.log('\nIssue 6: TUI vs tmux, 4 simulated agents spewing for 12 s, 160x45\n');
	console.log('measure                              TUI      tmux (server + client)');
	console.log('-----------------------------------  -------  ----------------------');
	console.log(
		`CPU seconds over ${tui.wall.toFixed(1)} s / ${tmuxResult.wall.toFixed(1)} s             ${tui.cpu.toFixed(2).padStart(7)}  ${tmuxResult.cpu.toFixed(2).padStart(7)}`,
	);
	console.log(
		`bytes to the outer terminal           ${(tui.bytes / 1e6).toFixed(1).padStart(5)} MB  ${(tmuxResult.bytes / 1e6).toFixed(1).padStart(5)} MB`,
	);
	console.log(`ratio TUI / tmux (goal: within 2x)   ${(tui.cpu / tmuxResult.cpu).toFixed(2)}x`);
	printTable('Key to screen during the spew', [
		row('`?` until the help is drawn', tui.latencies, 'goal < 100 ms'),
	]);
}
