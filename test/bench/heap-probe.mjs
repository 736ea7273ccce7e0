// Loaded by the soak bench into the orchestrator it measures (`node --expose-gc --import` this):
// every JETPACK_BENCH_HEAP_MS it collects garbage and appends the live heap and the process's
// memory to JETPACK_BENCH_HEAP_FILE as a JSON line. Not part of the product; the agents the
// orchestrator starts do not load it (they get no node flags) and do not see these variables.
import {appendFileSync, readFileSync} from 'node:fs';
import {getHeapSpaceStatistics, writeHeapSnapshot} from 'node:v8';

const file = process.env.JETPACK_BENCH_HEAP_FILE;
const everyMs = Number(process.env.JETPACK_BENCH_HEAP_MS ?? 5000);
delete process.env.JETPACK_BENCH_HEAP_FILE;
// JETPACK_BENCH_HEAP_SNAPSHOTS: seconds at which to write a heap snapshot beside the file, to find
// what grows (`SOAK_SNAPSHOTS=90,540 npm run bench -- soak` keeps them).
const snapshots = (process.env.JETPACK_BENCH_HEAP_SNAPSHOTS ?? '')
	.split(',')
	.filter(Boolean)
	.map(Number);
delete process.env.JETPACK_BENCH_HEAP_MS;
delete process.env.JETPACK_BENCH_HEAP_SNAPSHOTS;
const started = Date.now();
if (file !== undefined && typeof globalThis.gc === 'function') {
	setInterval(() => {
		globalThis.gc();
		const {rss, heapUsed, heapTotal, external, arrayBuffers} = process.memoryUsage();
		// Where the resident memory is: anonymous (malloc, V8) against file-backed (code).
		const rollup = readFileSync('/proc/self/smaps_rollup', 'utf8');
		const kb = (name) =>
			Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(rollup)?.[1] ?? 0) * 1024;
		const statistics = getHeapSpaceStatistics();
		const spaces = Object.fromEntries(
			statistics.map((space) => [space.space_name, space.physical_space_size]),
		);
		// The code V8 has compiled, part of the live heap: it grows as functions warm up.
		const code = statistics
			.filter((space) => space.space_name.includes('code'))
			.reduce((sum, space) => sum + space.space_used_size, 0);
		appendFileSync(
			file,
			`${JSON.stringify({at: (Date.now() - started) / 1000, rss, heapUsed, heapTotal, external, arrayBuffers, anonymous: kb('Anonymous'), spaces, code})}\n`,
		);
		const at = (Date.now() - started) / 1000;
		while (snapshots.length > 0 && snapshots[0] <= at) {
			writeHeapSnapshot(`${file}.${snapshots.shift()}.heapsnapshot`);
		}
	}, everyMs).unref();
}
