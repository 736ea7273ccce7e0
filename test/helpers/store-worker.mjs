// A child process that runs store transactions on the built adapter, for the crash and
// concurrency tests. After each transaction commits it prints one line saying what it wrote;
// stdout to a pipe is synchronous on Linux, so a line the parent read is a committed write.
//
//   node store-worker.mjs DIR crash SEED          forever: adds and marks, until killed
//   node store-worker.mjs DIR count SEED COUNT    COUNT transactions: adds and counter increments
import {TaskStore} from '../../dist/adapters/task-store.js';
import {addTask, blockTask, markDone} from '../../dist/core/task-ops.js';

const [dir, mode, seedText, countText] = process.argv.slice(2);
let seed = Number(seedText) >>> 0;
function random() {
	// mulberry32: reproducible from the seed the test prints.
	seed = (seed + 0x6d2b79f5) >>> 0;
	let t = seed;
	t = Math.imul(t ^ (t >>> 15), t | 1);
	t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
	return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
}

// The crash test kills holders of the lock; 2 s (proper-lockfile's least) keeps owner-less
// stale locks from slowing it down. Dead owners are detected at once regardless.
const store = new TaskStore(dir, {staleMs: 2000, backups: 5});
const context = () => ({now: new Date(), random});

/** Sets this worker's own counter on a task: the file stays small however many rounds run. */
function withMark(tasks, id, n) {
	const task = tasks.get(id);
	if (task === undefined) return {tasks, result: false};
	const next = new Map(tasks);
	next.set(id, {...task, extra: {...task.extra, [`m${process.pid}`]: n}});
	return {tasks: next, result: true};
}

const say = (line) => process.stdout.write(`${line}\n`);
const ids = [];

async function step(n) {
	const roll = random();
	// Few adds: the file stays small, so a hundred rounds stay quick.
	if (ids.length === 0 || roll < 0.15) {
		const task = await store.update((tasks) =>
			addTask(tasks, {title: `w${process.pid} #${n} $(echo hi) "quoted"`, tags: ['w']}, context()),
		);
		ids.push(task.id);
		say(`add ${task.id}`);
		return;
	}

	const id = ids[Math.floor(random() * ids.length)];
	if (roll < 0.85) {
		if (await store.update((tasks) => withMark(tasks, id, n)))
			say(`mark ${id} m${process.pid} ${n}`);
	} else if (roll < 0.93) {
		await store.update((tasks) => markDone(tasks, id, context()));
		say(`done ${id}`);
	} else {
		// A completed task cannot be blocked: the store says so and changes nothing.
		const blocked = await store
			.update((tasks) => blockTask(tasks, id, `held ${n}`, context()))
			.then(
				() => true,
				(error) => {
					if (error.name !== 'UsageError') throw error;
					return false;
				},
			);
		if (blocked) say(`block ${id}`);
	}
}

async function increment() {
	await store.update((tasks) => {
		const counter = tasks.get('counter');
		const next = new Map(tasks);
		next.set('counter', {...counter, metadata: {count: (counter.metadata?.count ?? 0) + 1}});
		return {tasks: next, result: undefined};
	});
}

say('ready');
if (mode === 'crash') {
	for (let n = 0; ; n++) await step(n);
} else {
	const count = Number(countText);
	for (let n = 0; n < count; n++) {
		if (n % 2 === 0) {
			const task = await store.update((tasks) =>
				addTask(tasks, {title: `from ${process.pid}`}, context()),
			);
			say(`add ${task.id}`);
		} else {
			await increment();
			say('inc');
		}
	}
}
