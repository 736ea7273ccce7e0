// Issue 11's attack figures: a run killed with SIGKILL again and again (a crash loop) while its
// agents ignore SIGHUP, leave a detached child behind, and check whether their task is already
// being worked on; then one run to the end. Counts tasks run twice at once, acknowledged results
// lost, and processes left.
//
// JETPACK_BENCH_ATTACK_KILLS=15   SIGKILLs of the orchestrator before the last run
// JETPACK_BENCH_ATTACK_TASKS=60   tasks
import {spawn} from 'node:child_process';
import {mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';

const cli = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));
const count = (name, fallback) => Number(process.env[name] ?? fallback);

// The agent: marks its task as being worked on (a pid file), says so if another live process
// already does, ignores SIGHUP, starts a detached child that lives as long as it, works 0.3-1 s.
const agent = String.raw`
const fs = require('node:fs');
const {spawn} = require('node:child_process');
const [dir, id] = process.argv.slice(1);
process.on('SIGHUP', () => {});
const mark = dir + '/marks/' + id + '.pid';
// Alive, and not a zombie (a killed agent whose parent is gone may stay one where nothing reaps).
const alive = (pid) => { try { return !/^State:\s+Z/m.test(fs.readFileSync('/proc/' + pid + '/status', 'utf8')); } catch { return false; } };
try {
	const other = Number(fs.readFileSync(mark, 'utf8'));
	if (other > 0 && other !== process.pid && alive(other)) fs.appendFileSync(dir + '/marks/twice', id + '\n');
} catch {}
fs.writeFileSync(mark, String(process.pid));
spawn(process.execPath, ['-e', 'process.on("SIGHUP",()=>{}); setInterval(()=>{}, 1000)'], {detached: true, stdio: 'ignore'}).unref();
setTimeout(() => process.exit(0), 300 + Math.random() * 700);
`;

function stored(dir) {
	const tasks = new Map();
	const text = readFileSync(path.join(dir, '.beads', 'tasks.jsonl'), 'utf8');
	for (const line of text.split('\n'))
		if (line.trim() !== '') {
			const task = JSON.parse(line);
			tasks.set(task.id, task.status);
		}

	return tasks;
}

/** Live processes whose environment names `dir` as JETPACK_WORK_DIR. */
function processesOf(dir) {
	const needle = `JETPACK_WORK_DIR=${dir}\u0000`;
	let found = 0;
	for (const entry of readdirSync('/proc')) {
		if (!/^\d+$/.test(entry)) continue;
		try {
			const state = /^State:\s+(\S)/m.exec(readFileSync(`/proc/${entry}/status`, 'utf8'))?.[1];
			if (state !== 'Z' && readFileSync(`/proc/${entry}/environ`, 'latin1').includes(needle))
				found++;
		} catch {
			// Gone meanwhile.
		}
	}

	return found;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function headless(dir, killAfterMs) {
	const child = spawn(process.execPath, [cli, '--headless'], {cwd: dir, stdio: 'ignore'});
	const exited = new Promise((resolve) => child.on('close', (code) => resolve(code)));
	if (killAfterMs === undefined) return exited;
	await sleep(killAfterMs);
	child.kill('SIGKILL');
	return exited;
}

export async function run() {
	const kills = count('JETPACK_BENCH_ATTACK_KILLS', 15);
	const size = count('JETPACK_BENCH_ATTACK_TASKS', 60);
	const dir = mkdtempSync(path.join(os.tmpdir(), 'jetpack-bench-attack-'));
	try {
		mkdirSync(path.join(dir, '.beads'));
		mkdirSync(path.join(dir, '.jetpack'));
		mkdirSync(path.join(dir, 'marks'));
		const tasks = Array.from({length: size}, (_, i) => ({
			id: `t${String(i).padStart(3, '0')}`,
			title: `Task ${i}`,
			estimatedMinutes: 1,
			...(i % 7 === 6 ? {dependencies: [`t${String(i - 3).padStart(3, '0')}`]} : {}),
		}));
		writeFileSync(
			path.join(dir, '.beads', 'tasks.jsonl'),
			tasks.map((task) => `${JSON.stringify(task)}\n`).join(''),
		);
		writeFileSync(
			path.join(dir, '.jetpack', 'config.json'),
			JSON.stringify({
				graceSeconds: 0.5,
				agents: [
					{name: 'nasty', count: 4, command: process.execPath, args: ['-e', agent, dir, '{id}']},
				],
			}),
		);
		const seenCompleted = new Set();
		let lost = 0;
		const look = () => {
			const now = stored(dir);
			for (const id of seenCompleted) if (now.get(id) !== 'completed') lost++;
			for (const [id, status] of now) if (status === 'completed') seenCompleted.add(id);
		};

		const started = Date.now();
		for (let k = 0; k < kills; k++) {
			await headless(dir, 500 + Math.random() * 1500);
			look();
		}

		const code = await headless(dir);
		look();
		await sleep(500);
		const left = processesOf(dir);
		const final = stored(dir);
		const completed = [...final.values()].filter((status) => status === 'completed').length;
		let twice = 0;
		try {
			twice = readFileSync(path.join(dir, 'marks', 'twice'), 'utf8')
				.trim()
				.split('\n').length;
		} catch {
			// No task ran twice at once.
		}

		console.log(
			`\nAttack: ${kills} SIGKILLs of the orchestrator, then a run to the end (issue 11)\n`,
		);
		console.log(
			`  ${size} tasks, 4 agents that ignore SIGHUP and each leave a detached child; ${((Date.now() - started) / 1000).toFixed(1)} s`,
		);
		console.log(`  last run exit ${code}; completed ${completed} of ${size}`);
		console.log(`  tasks run twice at once              ${twice}   (goal 0)`);
		console.log(`  completed results lost               ${lost}   (goal 0)`);
		console.log(`  processes left after the last run    ${left}   (goal 0)`);
	} finally {
		rmSync(dir, {recursive: true, force: true});
	}
}
