// An agent that leaves processes behind, the ways real ones do: `node leaky-agent.mjs DIR SPEC`.
// SPEC (JSON): {stay?: boolean | 'until-told', ignore?: string[],
//               children: [{name, how, ignore?, memoryMb?, env?}]}
//   stay: true stays until killed; 'until-told' exits 0 once DIR/exit exists; else exits 0 at once
//   how: 'group'  a plain child, in the agent's process group and session
//        'setsid' a child in a new session (detached)
//        'daemon' a double fork: a detached child that starts a detached grandchild and exits
//        'chain'  a detached child that starts a detached copy of itself every 20 ms (200 at most)
//   env: 'clean' starts the child with an empty environment (it drops the agent's token)
// Every long-lived process writes DIR/<name>.pid once it is ready (signal handlers installed,
// memory allocated); the agent prints "ready" when all of them have.
import {spawn} from 'node:child_process';
import {existsSync, writeFileSync} from 'node:fs';
import path from 'node:path';

const [, script, dir, specText] = process.argv;
const spec = JSON.parse(specText);

function hold(ignore, memoryMb) {
	for (const signal of ignore ?? []) process.on(signal, () => {});
	const kept = [];
	for (let i = 0; i < (memoryMb ?? 0); i++) kept.push(Buffer.alloc(1_048_576, 1));
	setInterval(() => kept.length, 1000);
}

if (spec.role === 'child') {
	hold(spec.ignore, spec.memoryMb);
	if (spec.how === 'chain' && (spec.generation ?? 0) < 200) {
		setTimeout(() => {
			spawn(
				process.execPath,
				[script, dir, JSON.stringify({...spec, generation: (spec.generation ?? 0) + 1})],
				{detached: true, stdio: 'ignore'},
			).unref();
		}, 20);
	}

	if ((spec.generation ?? 0) === 0)
		writeFileSync(path.join(dir, `${spec.name}.pid`), String(process.pid));
} else if (spec.role === 'middle') {
	// The first half of a double fork: start the daemon, then go, leaving it to init.
	spawn(process.execPath, [script, dir, JSON.stringify({...spec, role: 'child'})], {
		detached: true,
		stdio: 'ignore',
	}).unref();
	process.exit(0);
} else {
	hold(spec.ignore, 0);
	for (const child of spec.children) {
		const role = child.how === 'daemon' ? 'middle' : 'child';
		spawn(process.execPath, [script, dir, JSON.stringify({...child, role})], {
			detached: child.how !== 'group',
			stdio: 'ignore',
			env: child.env === 'clean' ? {} : process.env,
		}).unref();
	}

	const wait = setInterval(() => {
		if (!spec.children.every((child) => existsSync(path.join(dir, `${child.name}.pid`)))) return;
		clearInterval(wait);
		console.log('ready');
		if (spec.stay === 'until-told') {
			setInterval(() => {
				if (existsSync(path.join(dir, 'exit'))) process.exit(0);
			}, 20);
		} else if (spec.stay !== true) process.exit(0);
	}, 20);
}
