// Loaded by the soak bench into the orchestrator it measures (`node --expose-gc --import` this):
// every JETPACK_BENCH_HEAP_MS it collects garbage and appends the live heap and the process's
// memory to JETPACK_BENCH_HEAP_FILE as a JSON line. Not part of the product; the agents the
// orchestrator starts do not load it (they get no node flags) and do not see these variables.
import {appendFileSync} from 'node:fs';

const file = process.env.JETPACK_BENCH_HEAP_FILE;
const everyMs = Number(process.env.JETPACK_BENCH_HEAP_MS ?? 5000);
delete process.env.JETPACK_BENCH_HEAP_FILE;
delete process.env.JETPACK_BENCH_HEAP_MS;
const started = Date.now();
if (file !== undefined && typeof globalThis.gc === 'function') {
	setInterval(() => {
		globalThis.gc();
		const {rss, heapUsed, heapTotal, external, arrayBuffers} = process.memoryUsage();
		appendFileSync(
			file,
			`${JSON.stringify({at: (Date.now() - started) / 1000, rss, heapUsed, heapTotal, external, arrayBuffers})}\n`,
		);
	}, everyMs).unref();
}
