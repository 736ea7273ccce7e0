// A stand-in agent for the panes bench: prints the simulated agent's `spew` lines as fast as its
// terminal takes them and keeps the count in `<dir>/<id>.count` (rewritten every 200 ms), so the
// lines that got through a TUI, tmux or a headless run can be compared in one window.
import {writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {setImmediate} from 'node:timers';
import {spewLine} from '../../dist/core/sim.js';

const [id, dir, seconds = '120'] = process.argv.slice(2);
if (process.env.SPEWER_NICE !== undefined) os.setPriority(Number(process.env.SPEWER_NICE));
const end = Date.now() + Number(seconds) * 1000;
const file = path.join(dir, `${id}.count`);
let n = 0;
let saved = 0;
const save = () => {
	saved = Date.now();
	writeFileSync(file, String(n));
};
process.on('SIGTERM', () => {
	save();
	process.exit(0);
});
process.on('SIGHUP', () => {
	save();
	process.exit(0);
});

// A terminal's stdout is written synchronously (a write blocks while the reader is behind), a
// pipe's is not: the loop yields now and then either way, so signals and the count get through.
function pump() {
	for (let batch = 0; batch < 16; batch++) {
		if (Date.now() >= end) {
			save();
			return;
		}

		let text = '';
		for (let index = 0; index < 64; index++) text += spewLine(n++);
		if (Date.now() - saved >= 200) save();
		if (!process.stdout.write(text)) {
			process.stdout.once('drain', pump);
			return;
		}
	}

	setImmediate(pump);
}

pump();
