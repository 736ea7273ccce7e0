// bench plan (issue 18): `jetpack-tui plan REQUEST --yes` end to end — the CLI planning against
// its fake model server, the answer checked, the tree printed, the epic and tasks written — beside
// the time the same CLI takes on its own with the same prompt and arguments; the difference is
// what jetpack-tui adds. Also with one invalid answer sent back (two CLI runs), and the simulated
// agent (no CLI). The real CLIs: CLAUDE_BIN / CODEX_BIN, or on PATH; skipped when absent.
import {spawn, spawnSync} from 'node:child_process';
import {existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {benchRepo, installed, printTable, row, timeProcess} from './stats.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.join(here, '..', '..');
const cli = path.join(root, 'dist', 'cli.js');
const request = 'Add logging in with sessions stored in the database';
const runs = 5;

async function fakeServer(name, scenario) {
	const child = spawn(process.execPath, [path.join(here, 'fake-models', `${name}.mjs`), scenario], {
		stdio: ['ignore', 'pipe', 'ignore'],
	});
	const url = await new Promise((resolve) =>
		child.stdout.once('data', (data) => resolve(String(data).trim())),
	);
	return {url, stop: () => child.kill()};
}

/** The environment a CLI needs to reach its fake server, in a scratch HOME. */
function cliEnv(name, url, home) {
	const env = {
		PATH: process.env.PATH,
		HOME: home,
		TERM: 'xterm-256color',
		DISABLE_AUTOUPDATER: '1',
	};
	if (name === 'claude')
		return {
			...env,
			IS_SANDBOX: '1',
			ANTHROPIC_BASE_URL: url,
			ANTHROPIC_API_KEY: 'test',
			CLAUDE_CODE_MAX_RETRIES: '2',
		};
	const codexHome = path.join(home, '.codex');
	mkdirSync(codexHome, {recursive: true});
	writeFileSync(
		path.join(codexHome, 'config.toml'),
		`model = "gpt-fake"\nmodel_provider = "fake"\n\n[model_providers.fake]\nname = "Fake"\nbase_url = "${url}"\nenv_key = "FAKE_API_KEY"\nwire_api = "responses"\nrequest_max_retries = 1\nstream_max_retries = 1\n`,
	);
	return {...env, CODEX_HOME: codexHome, FAKE_API_KEY: 'dummy'};
}

function planEndToEnd(config, env, count) {
	const dirs = [];
	const samples = [];
	for (let i = 0; i < count; i++) {
		const dir = benchRepo('jetpack-bench-plan-', [], config);
		// A git repository, as where the CLI alone runs: claude reads git's state at start.
		spawnSync('git', ['init', '-q'], {cwd: dir});
		dirs.push(dir);
		samples.push(
			...timeProcess(1, [process.execPath, cli, 'plan', request, '--yes'], {cwd: dir, env}),
		);
	}

	for (const dir of dirs) rmSync(dir, {recursive: true, force: true});
	return samples;
}

export async function run() {
	if (!existsSync(cli)) throw new Error('dist/cli.js is missing: npm run build first');
	const {planPrompt} = await import(path.join(root, 'dist', 'core', 'plan.js'));
	const {planArgs} = await import(path.join(root, 'dist', 'core', 'plan-answer.js'));
	const rows = [
		row(
			'simulated: plan end to end (ms)',
			planEndToEnd({agents: [{profile: 'simulated', count: 1}]}, process.env, runs),
			'no CLI: node start-up, store write',
		),
	];
	for (const [name, variable] of [
		['claude', 'CLAUDE_BIN'],
		['codex', 'CODEX_BIN'],
	]) {
		const bin = installed(name, variable);
		if (bin === undefined) {
			rows.push(row(`${name}: plan end to end (ms)`, [], `${name} not installed (${variable})`));
			continue;
		}

		const home = mkdtempSync(path.join(os.tmpdir(), 'jetpack-bench-home-'));
		const work = mkdtempSync(path.join(os.tmpdir(), 'jetpack-bench-cli-'));
		spawnSync('git', ['init', '-q'], {cwd: work});
		const config = {agents: [{name, command: bin, count: 1}]};
		try {
			const server = await fakeServer(name, 'plan');
			const env = cliEnv(name, server.url, home);
			const args = planArgs({cli: name, command: name, args: []}).map((arg) =>
				arg === '{prompt}' ? planPrompt(request, []) : arg,
			);
			const own = timeProcess(runs, [bin, ...args], {cwd: work, env});
			const whole = planEndToEnd(config, env, runs);
			server.stop();
			const median = (samples) =>
				[...samples].sort((a, b) => a - b)[Math.floor(samples.length / 2)];
			rows.push(
				row(`${name}: the CLI alone, same prompt (ms)`, own, 'real CLI, fake model server'),
				row(
					`${name}: plan end to end (ms)`,
					whole,
					`p50 ${median(whole) >= median(own) ? '+' : '−'}${Math.abs(median(whole) - median(own)).toFixed(0)} ms against the CLI alone`,
				),
			);
			const retry = await fakeServer(name, 'plan-retry');
			rows.push(
				row(
					`${name}: plan, one invalid answer sent back (ms)`,
					planEndToEnd(config, cliEnv(name, retry.url, home), runs),
					'two CLI runs',
				),
			);
			retry.stop();
		} finally {
			rmSync(home, {recursive: true, force: true});
			rmSync(work, {recursive: true, force: true});
		}
	}

	printTable('jetpack-tui plan (issue 18)', rows);
}
