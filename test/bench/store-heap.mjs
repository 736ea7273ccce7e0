// Run by the soak bench (`node --expose-gc --single-threaded store-heap.mjs FILE...`): for each version of a task
// file, the live heap the store holds for it — the parsed tasks and the lines it keeps to write
// them again — measured as the heap after loading it less the heap before. Prints one JSON list
// of byte counts.
import {readFileSync} from 'node:fs';
import {parseStore, serializeStoreBytes} from '../../dist/core/store-format.js';

if (typeof globalThis.gc !== 'function') throw new Error('run with node --expose-gc');
const used = () => {
	globalThis.gc();
	return process.memoryUsage().heapUsed;
};

/** The table as the store keeps it: parsed, and each task's line kept once the file is written. */
function load(file) {
	const contents = parseStore(readFileSync(file));
	if (contents.kind !== 'ok') throw new Error(`${file} did not parse`);
	serializeStoreBytes(contents.table);
	return contents.table;
}

const files = process.argv.slice(2);
// Once before measuring: the first load also compiles the code that loads.
for (const file of files) load(file);
/** The table being measured: alive while the heap is looked at. */
const held = [];
const rounds = 5;
const samples = files.map(() => []);
for (let round = 0; round < rounds; round++) {
	for (const [index, file] of files.entries()) {
		held.length = 0;
		const before = used();
		held.push(load(file));
		samples[index].push(used() - before);
	}
}

// The median of each: a sample now and then counts code compiled meanwhile.
console.log(JSON.stringify(samples.map((list) => list.sort((a, b) => a - b)[rounds >> 1])));
