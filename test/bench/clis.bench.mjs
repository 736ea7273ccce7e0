// Issue 13: the real agent CLIs. (1) The TUI's CPU drawing 4 claude transcript panes next to 4
// simulated `lines` panes (a stand-in claude replaying captured stream-json at the pace of the
// simulated agent's lines); (2) launch → first transcript line on an agent's emulated screen for
// the real claude and codex CLIs against their fake model servers (when installed: CLAUDE_BIN /
// CODEX_BIN, or the CLI on PATH); (3) how long past its reset a usage
// limit 60 s ahead keeps a task waiting.
import {execFileSync, spawn as spawnChild} from 'node:child_process';
import {copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {performance} from 'node:perf_hooks';
import {setTimeout as sleep} from 'node:timers/promises';
import {fileURLToPath} from 'node:url';
import {spawn} from 'node-pty';
import {benchEnv, benchRepo, cpuSeconds, installed, printTable, row} from './stats.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.join(here, '..', '..');
const cli = path.join(root, 'dist', 'cli.js');
const fixtures = path.join(root, 'test', 'fixtures', 'clis');
const stand = path.join(fixtures, 'bin');
const windowMs = 10_000;

/** A long claude session: the captured events of one turn, repeated, numbered apart. */
function longTranscript(file, turns) {
	const lines = readFileSync(path.join(fixtures, 'claude', 'ok.jsonl'), 'utf8')
		.trim()
		.split('\n');
	const body = lines.filter(
		(line) => !line.includes('"type":"result"') && !line.includes('"subtype":"init"'),
	);
	const init = lines.find((line) => line.includes('"subtype":"init"'));
	const result = lines.find((line) => line.includes('"type":"result"'));
	const out = [init];
	for (let turn = 0; turn < turns; turn++)
		for (const line of body) out.push(line.replaceAll('hello', `hello ${turn}`));
	out.push(result);
	writeFileSync(file, `${out.join('\n')}\n`);
}

/** The TUI's own CPU per second over `windowMs` with four agents of `profile` at work. */
async function tuiCpu(profile) {
	const ids = ['t1', 't2', 't3', 't4'];
	const dir = benchRepo(
		'jetpack-bench-clis-',
		ids.map((id) => ({id, title: `work ${id}`, estimatedMinutes: 60, sim: {ms: 120_000}})),
		{agents: [{profile, count: 4}], graceSeconds: 1, notifications: false},
	);
	const replays = path.join(dir, 'replays');
	mkdirSync(replays);
	for (const id of ids) longTranscript(path.join(replays, `${id}.jsonl`), 400);
	const pty = spawn(process.execPath, [cli], {
		name: 'xterm-256color',
		cwd: dir,
		cols: 160,
		rows: 45,
		env: benchEnv({
			PATH: `${stand}${path.delimiter}${process.env.PATH}`,
			JETPACK_REPLAY_DIR: replays,
			// The simulated agent's `lines` pace: one line every 200 ms.
			JETPACK_REPLAY_DELAY_MS: '200',
		}),
	});
	let seen = '';
	pty.onData((data) => {
		seen = (seen + data).slice(-8192);
	});
	const exited = new Promise((resolve) => pty.onExit(resolve));
	const deadline = Date.now() + 30_000;
	while (!seen.includes('4/4') && Date.now() < deadline) await sleep(100);
	await sleep(1000);
	const cpu0 = cpuSeconds(pty.pid);
	await sleep(windowMs);
	const cpu = cpuSeconds(pty.pid) - cpu0;
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
	return cpu / (windowMs / 1000);
}

/** Starts a fake model server; its URL. */
async function fakeServer(name, scenario) {
	const child = spawnChild(
		process.execPath,
		[path.join(here, 'fake-models', `${name}.mjs`), scenario],
		{
			stdio: ['ignore', 'pipe', 'inherit'],
		},
	);
	const url = await new Promise((resolve, reject) => {
		let text = '';
		child.stdout.on('data', (chunk) => {
			text += chunk;
			const match = /https?:\/\/127\.0\.0\.1:\d+\S*/.exec(text);
			if (match) resolve(match[0]);
		});
		child.on('exit', () => reject(new Error(`${name} fake server exited`)));
	});
	return {url, stop: () => child.kill()};
}

/** Launch → first transcript line on the emulated screen, for a real CLI, `runs` times. */
async function firstLine(name, bin, runs) {
	const {PtyAgentLauncher} = await import(path.join(root, 'dist', 'adapters', 'pty-agent.js'));
	const {detectorFor} = await import(path.join(root, 'dist', 'core', 'clis', 'registry.js'));
	const {builtInTemplates} = await import(path.join(root, 'dist', 'core', 'profiles.js'));
	const detector = detectorFor(name);
	const server = await fakeServer(name, 'ok');
	const samples = [];
	try {
		for (let i = 0; i < runs; i++) {
			const dir = mkdtempSync(path.join(os.tmpdir(), `jetpack-bench-${name}-`));
			execFileSync('git', ['init', '-q'], {cwd: dir});
			const home = path.join(dir, '.home');
			mkdirSync(home);
			// No auto-update: claude would install itself globally on this machine.
			const extra = {
				HOME: home,
				IS_SANDBOX: '1',
				CLAUDE_CODE_MAX_RETRIES: '2',
				DISABLE_AUTOUPDATER: '1',
			};
			if (name === 'claude')
				Object.assign(extra, {ANTHROPIC_BASE_URL: server.url, ANTHROPIC_API_KEY: 'test'});
			if (name === 'codex') {
				mkdirSync(path.join(home, '.codex'));
				writeFileSync(
					path.join(home, '.codex', 'config.toml'),
					`model = "gpt-fake"\nmodel_provider = "fake"\n[model_providers.fake]\nname = "Fake"\nbase_url = "${server.url}"\nenv_key = "FAKE_KEY"\nwire_api = "responses"\nrequest_max_retries = 1\nstream_max_retries = 1\n`,
				);
				Object.assign(extra, {CODEX_HOME: path.join(home, '.codex'), FAKE_KEY: 'test'});
			}

			const template = builtInTemplates[name];
			const args = template.args.map((arg) =>
				arg === '{prompt}' ? 'Create hello.txt containing hello' : arg,
			);
			const started = performance.now();
			const agent = new PtyAgentLauncher().launch({
				command: bin,
				args,
				cwd: dir,
				env: extra,
				cols: 120,
				rows: 40,
				logFile: path.join(dir, '.log', '1.log'),
				transcript: {
					parse: detector.parse.bind(detector),
					eventsFile: path.join(dir, '.log', '1.events.jsonl'),
				},
			});
			const shown = await new Promise((resolve) => {
				const look = () => {
					const text = agent
						.screen()
						.lines.map((runs) => runs.map((run) => run.text).join(''))
						.join('\n');
					if (/[○●▸✻]/.test(text)) resolve(performance.now() - started);
				};
				agent.onScreen(look);
				agent.onExit(() => resolve(undefined));
			});
			await agent.stop(500);
			rmSync(dir, {recursive: true, force: true});
			if (shown !== undefined) samples.push(shown);
		}
	} finally {
		server.stop();
	}

	return samples;
}

/** Seconds between a usage limit's reset (60 s ahead) and the task's next claim. */
async function limitCost() {
	const dir = benchRepo('jetpack-bench-limit-', [{id: 'l1', title: 'limited'}], {
		agents: [{profile: 'claude', count: 1}],
		graceSeconds: 1,
		notifications: false,
	});
	const replays = path.join(dir, 'replays');
	mkdirSync(replays);
	const resetsAt = Math.floor(Date.now() / 1000) + 62;
	const limited = readFileSync(path.join(fixtures, 'claude', 'usage-limit.jsonl'), 'utf8').replace(
		/"resetsAt":\d+/,
		`"resetsAt":${resetsAt}`,
	);
	writeFileSync(path.join(replays, 'l1.1.jsonl'), limited);
	writeFileSync(path.join(replays, 'l1.1.exit'), '1');
	copyFileSync(path.join(fixtures, 'claude', 'ok.jsonl'), path.join(replays, 'l1.jsonl'));
	const out = execFileSync(process.execPath, [cli, '--headless', '--json'], {
		cwd: dir,
		encoding: 'utf8',
		env: benchEnv({
			PATH: `${stand}${path.delimiter}${process.env.PATH}`,
			JETPACK_REPLAY_DIR: replays,
		}),
	});
	const lines = out
		.trim()
		.split('\n')
		.map((line) => JSON.parse(line));
	const claims = lines.filter((line) => line.event === 'task.claimed');
	rmSync(dir, {recursive: true, force: true});
	if (claims.length < 2) return undefined;
	return Date.parse(claims[1].time) / 1000 - resetsAt;
}

export async function run() {
	const rows = [];
	// Alternated, three rounds: the machine's drift falls on both alike.
	const simulated = [];
	const claude = [];
	for (let round = 0; round < 3; round++) {
		simulated.push(await tuiCpu('simulated'));
		claude.push(await tuiCpu('claude'));
	}

	const median = (samples) => [...samples].sort((a, b) => a - b)[1];
	rows.push(
		row('TUI CPU, 4 simulated `lines` panes (s/s)', simulated, `${windowMs / 1000} s windows`),
		row(
			'TUI CPU, 4 claude transcript panes (s/s)',
			claude,
			`p50 ratio ${(median(claude) / median(simulated)).toFixed(2)}`,
		),
	);
	for (const [name, variable] of [
		['claude', 'CLAUDE_BIN'],
		['codex', 'CODEX_BIN'],
	]) {
		const bin = installed(name, variable);
		if (bin === undefined) {
			rows.push(
				row(
					`${name}: launch → first transcript line (ms)`,
					[],
					`${name} not installed (${variable})`,
				),
			);
			continue;
		}

		const samples = await firstLine(name, bin, 5).catch((error) => {
			console.error(`${name}: ${error.message}`);
			return [];
		});
		rows.push(
			row(`${name}: launch → first transcript line (ms)`, samples, 'real CLI, fake model server'),
		);
	}

	const late = await limitCost();
	rows.push(
		row(
			'usage limit 60 s ahead: claimed again after the reset (s)',
			late === undefined ? [] : [late],
			'one run',
		),
	);
	printTable('Real agent CLIs (issue 13)', rows);
}
