// An agent whose process tree changes on command, for the memory sampler's tests:
// `node tree-agent.mjs DIR`, then lines on stdin, each answered with "ok NAME PID" once done:
//   child NAME MB    a child holding MB of memory
//   daemon NAME MB   a double fork: a detached child starts the holder and exits before it answers
//   grand NAME MB    a child that starts a grandchild holding MB (the grandchild's pid is answered)
//   kill NAME        SIGKILL to that process (answered once it has gone)
// Every holder writes DIR/NAME.pid once its memory is allocated.
import {spawn} from 'node:child_process';
import {existsSync, readFileSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {createInterface} from 'node:readline';

const [, script, dir, role, name, mb] = process.argv;

function hold() {
	const kept = [];
	for (let i = 0; i < Number(mb); i++) kept.push(Buffer.alloc(1_048_576, 1));
	writeFileSync(path.join(dir, `${name}.pid`), String(process.pid));
	setInterval(() => kept.length, 1000);
}

const start = (args, options = {}) =>
	spawn(process.execPath, [script, dir, ...args], {stdio: 'ignore', ...options});

if (role === 'holder') hold();
else if (role === 'middle') {
	start(['holder', name, mb], {detached: true}).unref();
	const wait = setInterval(() => {
		if (existsSync(path.join(dir, `${name}.pid`))) process.exit(0);
	}, 10);
	void wait;
} else if (role === 'parent') {
	// Goes with its child (which the test kills), so nothing is left behind.
	start(['holder', name, mb]).on('exit', () => process.exit(0));
} else {
	const pids = new Map();
	const pidOf = async (what) => {
		const file = path.join(dir, `${what}.pid`);
		while (!existsSync(file) || readFileSync(file, 'utf8') === '')
			await new Promise((resolve) => setTimeout(resolve, 10));
		return Number(readFileSync(file, 'utf8'));
	};

	for await (const line of createInterface({input: process.stdin})) {
		const [command, what, size] = line.trim().split(' ');
		if (command === 'child') start(['holder', what, size]);
		else if (command === 'grand') start(['parent', what, size]);
		else if (command === 'daemon') {
			const middle = start(['middle', what, size], {detached: true});
			await new Promise((resolve) => middle.on('exit', resolve));
		} else if (command === 'kill') {
			const pid = pids.get(what);
			process.kill(pid, 'SIGKILL');
			while (
				existsSync(`/proc/${pid}`) &&
				!/^\S+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'))
			)
				await new Promise((resolve) => setTimeout(resolve, 10));
			console.log(`ok ${what} ${pid}`);
			continue;
		}

		pids.set(what, await pidOf(what));
		console.log(`ok ${what} ${pids.get(what)}`);
	}
}
