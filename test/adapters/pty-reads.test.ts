/**
 * Reading ptys into one shared buffer, against real processes in real pseudo-terminals.
 */
import {spawn, type IPty} from 'node-pty';
import {afterEach, describe, expect, it} from 'vitest';
import {onPtyText} from '../../source/adapters/pty-reads.js';
import {until} from '../helpers/until.js';

const started: IPty[] = [];

afterEach(() => {
	for (const pty of started.splice(0)) {
		try {
			pty.kill('SIGKILL');
		} catch {
			// Already gone.
		}
	}
});

function node(script: string): IPty {
	const pty = spawn(process.execPath, ['-e', script], {cols: 80, rows: 24, env: process.env});
	started.push(pty);
	return pty;
}

/** Everything the pty printed so far. (The programs stay until killed: a pty's last output can be lost at an exit.) */
function collect(pty: IPty): () => string {
	const pieces: string[] = [];
	onPtyText(pty, (text) => pieces.push(text));
	return () => pieces.join('');
}

const stay = 'setInterval(() => {}, 10_000);';

describe('onPtyText', () => {
	it("reads into the shared buffer on this Node, not a new Buffer per read (Node's internals as expected)", () => {
		const pty = node(stay);
		expect(onPtyText(pty, () => {}).shared).toBe(true);
		// A second listener would silence the first.
		expect(() => onPtyText(pty, () => {})).toThrow(/read already/);
	});

	it('keeps a character whole when a read ends in the middle of it', async () => {
		// The four bytes of 😀 in two writes, a pause between them: two reads.
		const pty = node(
			`${stay} process.stdout.write(Buffer.from([0xf0, 0x9f])); setTimeout(() => process.stdout.write(Buffer.from([0x98, 0x80, 0x0a])), 300);`,
		);
		const text = collect(pty);
		await until(() => text().includes('\n'), 'the line');
		expect(text()).toBe('😀\r\n');
	});

	it('gives each of several ptys printing at once exactly its own output', async () => {
		const lines = 20_000;
		const names = ['a', 'b', 'c'];
		const outputs = names.map((name) =>
			collect(
				node(
					`${stay} let i = 0; const next = () => { let out = ''; for (let n = 0; n < 500 && i < ${lines}; n++) out += '${name}' + i++ + ' é\\n'; if (out !== '') process.stdout.write(out, next); }; next();`,
				),
			),
		);
		for (const [index, text] of outputs.entries()) {
			const name = names[index] ?? '';
			const expected = Array.from({length: lines}, (_, i) => `${name}${i} é\r\n`).join('');
			await until(() => text().length >= expected.length, `all of ${name}'s output`);
			expect(text()).toBe(expected);
		}
	});

	it('reads what is left when node-pty gives up on a paused pty 200 ms after its child exited', async () => {
		// Paused (the emulator or the disk behind) as the child prints its last lines and exits:
		// node-pty destroys the socket before it is read again, and the kernel's copy would go.
		const pty = node(
			"let out = ''; for (let i = 0; i < 100; i++) out += 'last ' + i + '\\n'; process.stdout.write(out, () => process.exit(0));",
		);
		const text = collect(pty);
		// Once the stream has begun to flow (a pause before that is undone when it does).
		await new Promise((resolve) => setImmediate(resolve));
		pty.pause();
		const exited = await new Promise<number>((resolve) => {
			pty.onExit(({exitCode}) => {
				resolve(exitCode);
			});
		});
		expect(exited).toBe(0);
		const lines = text().split('\r\n');
		expect(lines.slice(0, 100)).toEqual(Array.from({length: 100}, (_, i) => `last ${i}`));
	});

	it('reads nothing while the pty is paused, and goes on when it is resumed', async () => {
		const pty = node(`setInterval(() => process.stdout.write('tick\\n'), 5);`);
		const text = collect(pty);
		await until(() => text().length > 0, 'the first ticks');
		pty.pause();
		const atPause = text().length;
		await new Promise((resolve) => setTimeout(resolve, 300));
		expect(text()).toHaveLength(atPause);
		pty.resume();
		await until(() => text().length > atPause, 'ticks after the resume');
	});
});
