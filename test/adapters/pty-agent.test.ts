/**
 * The pty launcher against real processes in real pseudo-terminals: node scripts standing in for
 * agents, their screens emulated by the real @xterm/headless, their logs real files.
 */
import {existsSync, readFileSync} from 'node:fs';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {
	CommandNotFound,
	type AgentExit,
	type AgentProcess,
	type Screen,
} from '../../source/core/agent-ports.js';
import {launcher, launchNode, screenText} from '../helpers/pty-agents.js';
import {tempRepo} from '../helpers/temp-repo.js';
import {until} from '../helpers/until.js';

/** The exit, or a clear failure well before the test timeout if it never comes. */
async function exitOf(agent: AgentProcess, timeoutMs = 20_000): Promise<AgentExit> {
	return new Promise((resolve, reject) => {
		const timer = setTimeout(() => {
			reject(new Error('no exit reported'));
		}, timeoutMs);
		agent.onExit((exit) => {
			clearTimeout(timer);
			resolve(exit);
		});
	});
}

/** Gone, or a zombie nobody has reaped yet (an init that does not reap in some containers). */
function gone(pid: number): boolean {
	try {
		process.kill(pid, 0);
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code === 'ESRCH') return true;
		throw error;
	}

	const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
	return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
}

// Stays until killed: ignores SIGINT and SIGTERM, as a wedged agent would.
const stubborn = `process.on('SIGINT', () => {}); process.on('SIGTERM', () => {}); setInterval(() => {}, 1000);`;

describe('PtyAgentLauncher', () => {
	it('emulates colours, logs plain text, keeps a tail, and reports the exit after the log is written', async () => {
		const {agent, logFile} = await launchNode(
			`process.stdout.write('\\x1b[31mred\\x1b[0m plain\\n\\x1b[38;2;1;2;3mrgb\\x1b[0m \\x1b[1;7mB\\x1b[0m\\n漢字x\\n');`,
		);
		const exit = await new Promise<{exit: AgentExit; log: string}>((resolve) => {
			agent.onExit((exit) => {
				resolve({exit, log: readFileSync(logFile, 'utf8')});
			});
		});

		expect(exit.exit).toEqual({exitCode: 0, signal: null});
		expect(exit.log).toBe('red plain\nrgb B\n漢字x\n');
		const screen = agent.screen();
		expect(screen.cols).toBe(80);
		expect(screen.lines).toHaveLength(24);
		expect(screen.lines[0]).toStrictEqual([{text: 'red', fg: 'ansi:1'}, {text: ' plain'}]);
		expect(screen.lines[1]).toStrictEqual([
			{text: 'rgb', fg: '#010203'},
			{text: ' '},
			{text: 'B', bold: true, inverse: true},
		]);
		// Each wide character is one glyph in the text, its continuation cell skipped.
		expect(screen.lines[2]).toStrictEqual([{text: '漢字x'}]);
		expect(screen.lines[3]).toStrictEqual([]);
		expect(agent.tail(2)).toEqual(['rgb B', '漢字x']);
		expect(agent.tail(10)).toEqual(['red plain', 'rgb B', '漢字x']);
	});

	it('shows a full-screen redraw once, and logs it without escape sequences', async () => {
		const {agent, logFile} = await launchNode(`
			let frame = 0;
			const timer = setInterval(() => {
				frame++;
				const bar = '#'.repeat(frame) + '-'.repeat(20 - frame);
				process.stdout.write('\\x1b[H\\x1b[2J\\x1b[1;36msimulated agent T1\\x1b[0m\\x1b[3;1H[' + bar + '] ' + '|/-\\\\'[frame % 4] + '\\x1b[5;1H\\x1b]0;window title\\x07\\x1b[?25l');
				if (frame === 20) { clearInterval(timer); process.stdout.write('\\x1b[?25h'); }
			}, 10);
		`);
		await expect(exitOf(agent)).resolves.toEqual({exitCode: 0, signal: null});

		const screen = screenText(agent.screen());
		expect(screen.split('simulated agent T1')).toHaveLength(2);
		expect(screen).toContain('[####################] |');
		expect(agent.screen().lines[0]).toStrictEqual([
			{text: 'simulated agent T1', fg: 'ansi:6', bold: true},
		]);
		const log = readFileSync(logFile, 'utf8');

		expect(log).not.toMatch(/[\u0000-\u0009\u000B-\u001F\u007F]/);
		expect(log).not.toContain('window title');
		expect(log.split('simulated agent T1')).toHaveLength(21);
	});

	it('answers terminal queries, so a program waiting for the cursor position goes on', async () => {
		const {agent, logFile} = await launchNode(`
			setTimeout(() => { console.log('no answer'); process.exit(2); }, 5000);
			process.stdin.setRawMode(true);
			let input = '';
			process.stdin.on('data', (data) => {
				input += data;
				if (/\\x1b\\[\\d+;\\d+R/.test(input)) { console.log('answered'); process.exit(0); }
			});
			process.stdout.write('\\x1b[6n');
		`);
		await expect(exitOf(agent)).resolves.toEqual({exitCode: 0, signal: null});
		expect(readFileSync(logFile, 'utf8')).toContain('answered');
	});

	it('passes argv literally, never through a shell, finding the command on the given PATH', async () => {
		const args = ['$(rm -rf ~)', '`touch pwned`', `"double" 'single'`, '; echo hi | cat && \\', ''];
		const {agent, logFile} = await launchNode('', {
			command: 'node',
			args: ['-e', 'console.log(JSON.stringify(process.argv.slice(1)))', ...args],
			env: {PATH: path.dirname(process.execPath)},
			cols: 200,
		});
		await expect(exitOf(agent)).resolves.toEqual({exitCode: 0, signal: null});

		expect(JSON.parse(readFileSync(logFile, 'utf8'))).toEqual(args);
		expect(existsSync(path.join(path.dirname(path.dirname(logFile)), 'pwned'))).toBe(false);
	});

	it('strips escape sequences split across chunks and ends lines at carriage returns', async () => {
		const {agent, logFile} = await launchNode(`
			process.stdout.write('a\\x1b[3');
			setTimeout(() => process.stdout.write('1mred\\x1b]0;tit'), 100);
			setTimeout(() => process.stdout.write('le\\x1b'), 200);
			setTimeout(() => process.stdout.write('\\\\ done 1/3\\r2/3\\r'), 300);
			setTimeout(() => process.stdout.write('\\n3/3\\n'), 400);
			setTimeout(() => process.exitCode = 3, 450);
		`);
		await expect(exitOf(agent)).resolves.toEqual({exitCode: 3, signal: null});
		expect(readFileSync(logFile, 'utf8')).toBe('ared done 1/3\n2/3\n3/3\n');
		expect(agent.tail(3)).toEqual(['ared done 1/3', '2/3', '3/3']);
	});

	it('resizes the pty and the screen, and writes input to the program', async () => {
		const {agent, logFile} = await launchNode(`
			process.stdout.on('resize', () => console.log('size ' + process.stdout.columns + 'x' + process.stdout.rows));
			process.stdin.setEncoding('utf8');
			process.stdin.on('data', (data) => { if (data.includes('quit')) process.exit(0); });
			console.log('ready');
		`);
		await until(() => agent.tail(1)[0] === 'ready', 'the program to start');

		agent.resize(100, 30);
		await until(() => agent.tail(1)[0] === 'size 100x30', 'the program to see the new size');
		expect(agent.screen()).toMatchObject({cols: 100, rows: 30});
		expect(agent.screen().lines).toHaveLength(30);

		agent.write('quit\r');
		await expect(exitOf(agent)).resolves.toEqual({exitCode: 0, signal: null});
		expect(readFileSync(logFile, 'utf8')).toContain('size 100x30');
	});

	it('stops a normal process with SIGINT', async () => {
		const {agent} = await launchNode(`setInterval(() => {}, 1000); console.log('ready');`);
		await until(() => agent.tail(1)[0] === 'ready', 'the program to start');

		// SIGINT was enough: no SIGTERM or SIGKILL after it.
		await expect(agent.stop(10_000)).resolves.toEqual({exitCode: null, signal: 'SIGINT'});
	});

	it('kills a process that ignores SIGINT and SIGTERM, with its whole process group, once', async () => {
		const graceMs = 300;
		const {agent} = await launchNode(`
			const child = require('node:child_process').spawn(process.execPath, ['-e', ${JSON.stringify(stubborn)}], {stdio: 'ignore'});
			${stubborn}
			process.stdout.write('child ' + child.pid + '\\n');
		`);
		await until(() => /^child \d+$/.test(agent.tail(1)[0] ?? ''), 'the child to start');
		const childPid = Number(agent.tail(1)[0]?.split(' ')[1]);
		expect(gone(childPid)).toBe(false);

		const started = Date.now();
		// A second stop joins the first instead of starting the sequence over.
		const [first, second] = await Promise.all([agent.stop(graceMs), agent.stop(graceMs)]);
		const elapsed = Date.now() - started;

		expect(first).toEqual({exitCode: null, signal: 'SIGKILL'});
		expect(second).toEqual(first);
		// Each signal had its grace (a loaded machine only makes the wait longer).
		expect(elapsed).toBeGreaterThanOrEqual(2 * graceMs - 50);
		await until(() => gone(childPid), 'the child in the process group to be killed');
		await expect(agent.stop(graceMs)).resolves.toEqual(first);
	});

	it('kills at once when asked to', async () => {
		const {agent} = await launchNode(`${stubborn} console.log('ready');`);
		await until(() => agent.tail(1)[0] === 'ready', 'the program to start');

		// With this grace, a stop that went through SIGINT and SIGTERM first would outlast the test.
		await expect(agent.stop(10 * 60_000, {immediate: true})).resolves.toEqual({
			exitCode: null,
			signal: 'SIGKILL',
		});
	});

	it('throws CommandNotFound for a command that is not on PATH or not there', async () => {
		const dir = await tempRepo();
		const launch = {
			args: [],
			cwd: dir,
			env: {},
			cols: 80,
			rows: 24,
			logFile: path.join(dir, 'agent.log'),
		};
		expect(() => launcher.launch({...launch, command: 'jetpack-no-such-agent'})).toThrow(
			CommandNotFound,
		);
		expect(() => launcher.launch({...launch, command: './no-such-agent'})).toThrow(CommandNotFound);
		// A folder on PATH named like the command is not the command.
		expect(() =>
			launcher.launch({...launch, command: path.basename(dir), env: {PATH: path.dirname(dir)}}),
		).toThrow(CommandNotFound);
	});

	// How long the event loop stalls meanwhile is a figure of `npm run bench tui`, not a test.
	it('keeps memory bounded while a process spews output', async () => {
		const {agent, logFile} = await launchNode(`
			const end = Date.now() + 3000;
			let i = 0;
			while (Date.now() < end) {
				process.stdout.write('\\x1b[3' + (i % 7 + 1) + 'mline ' + i++ + ' ' + 'x'.repeat(60) + '\\x1b[0m\\n');
			}
		`);
		const rssBefore = process.memoryUsage.rss();
		let peakRss = rssBefore;
		const ticker = setInterval(() => {
			peakRss = Math.max(peakRss, process.memoryUsage.rss());
		}, 10);
		try {
			await expect(exitOf(agent)).resolves.toEqual({exitCode: 0, signal: null});
		} finally {
			clearInterval(ticker);
		}

		expect(peakRss - rssBefore).toBeLessThan(200 * 1024 * 1024);
		expect(agent.tail(1)[0]).toMatch(/^line \d+ x{60}$/);
		expect(screenText(agent.screen())).toMatch(/line \d+ x{60}/);
		const log = readFileSync(logFile, 'utf8');
		expect(log).not.toContain('\u001B');
		expect(log.length).toBeGreaterThan(10_000);
	});

	it('brings a screen nobody watches up to date once the agent falls quiet, from its newest output', async () => {
		// Far more than is kept unparsed while nobody watches, then a last line, then quiet.
		const {agent} = await launchNode(`
			let text = '';
			for (let i = 0; i < 20000; i++) text += '\\x1b[3' + (i % 7 + 1) + 'mline ' + i + '\\x1b[0m\\n';
			process.stdout.write(text + 'the last line\\n', () => setTimeout(() => {}, 60000));
		`);
		try {
			await until(
				() => screenText(agent.screen()).includes('the last line'),
				'the quiet screen shown',
			);
			const text = screenText(agent.screen());
			expect(text).toContain('line 19999');
			// Lines that scrolled off long ago are not drawn again over the newest ones.
			expect(text).not.toContain('line 100\n');
			expect(agent.screen().lines[22]).toStrictEqual([{text: 'the last line'}]);
		} finally {
			await agent.stop(100, {immediate: true});
		}
	});

	it("answers a program's question to its terminal while nobody watches its screen", async () => {
		// Asks where the cursor is (DSR 6) and waits for the answer, as full-screen CLIs do.
		const {agent, logFile} = await launchNode(`
			process.stdin.setRawMode(true);
			process.stdin.once('data', (reply) => {
				console.log('answered ' + JSON.stringify(String(reply)));
				process.exit(0);
			});
			process.stdout.write('working\\n'.repeat(5000) + '\\x1b[6n');
		`);
		await expect(exitOf(agent)).resolves.toEqual({exitCode: 0, signal: null});
		expect(readFileSync(logFile, 'utf8')).toMatch(/answered "\\u001b\[\d+;\d+R"/);
	});

	it('keeps a watched screen current as output comes, and the first watcher sees what came unwatched', async () => {
		const {agent} = await launchNode(`
			console.log('before anyone looked');
			process.stdin.on('data', (key) => console.log('typed ' + String(key)));
		`);
		try {
			await until(() => agent.tail(1)[0] === 'before anyone looked', 'the first line printed');
			let published = 0;
			const watch = agent.onScreen(() => {
				published++;
			});
			await until(
				() => screenText(agent.screen()).includes('before anyone looked'),
				'the unwatched output shown to the first watcher',
			);
			agent.write('k\r');
			await until(() => screenText(agent.screen()).includes('typed k'), 'the echo on screen');
			expect(published).toBeGreaterThan(0);
			watch.dispose();
		} finally {
			await agent.stop(100, {immediate: true});
		}
	});

	it('publishes screens at most every ~60 ms while output streams, and once more at the exit', async () => {
		// About 2 s of a line every millisecond or so: hundreds of chunks.
		const {agent} = await launchNode(
			"let n = 0; const t = setInterval(() => { process.stdout.write('line ' + n++ + '\\n'); if (n > 2000) { clearInterval(t); console.log('the end'); } }, 1);",
		);
		const times: number[] = [];
		const seen: Screen[] = [];
		agent.onScreen(() => {
			times.push(Date.now());
			seen.push(agent.screen());
		});
		let outputs = 0;
		agent.onOutput(() => outputs++);
		await exitOf(agent);
		const gaps = times.slice(1).map((time, index) => time - (times[index] ?? 0));
		const seenAs = `${times.length} publications, ${outputs} outputs, gaps ${gaps.join(' ')} ms`;
		// Never a publication without new output, but the one at the exit.
		expect(times.length, seenAs).toBeLessThanOrEqual(outputs + 1);
		// The throttle: no two publications closer than the period (with a little timer slack).
		expect(
			gaps.slice(0, -1).every((gap) => gap >= 55),
			seenAs,
		).toBe(true);
		// The final flush shows the end, and the screen is one object until it changes.
		expect(
			seen.at(-1)?.lines.some((line) => line.some((run) => run.text.includes('the end'))),
		).toBe(true);
		expect(agent.screen()).toBe(agent.screen());
	});
});
