/**
 * Containment (PRODUCT.md §4): nothing an agent starts outlives its attempt, and no signal reaches
 * a process that is not ours. Real agents in real ptys leaving real processes behind (setsid,
 * double forks, ignored SIGHUP), a real orchestrator SIGKILLed, a real pid handed to someone else.
 */
import {spawn, type ChildProcess} from 'node:child_process';
import {readFileSync, readlinkSync, readdirSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {afterEach, describe, expect, it} from 'vitest';
import {
	agentMembers,
	agentTokenVariable,
	identify,
	parseStat,
	ProcessScanner,
	signalIfOurs,
	stopAgentsOfRun,
	tokenIn,
	type ProcessEntry,
} from '../../source/adapters/agent-processes.js';
import {ProcProcessStats} from '../../source/adapters/process-stats.js';
import {PtyAgentLauncher} from '../../source/adapters/pty-agent.js';
import type {AgentExit, AgentProcess} from '../../source/core/agent-ports.js';
import {tempRepo} from '../helpers/temp-repo.js';
import {until} from '../helpers/until.js';

const leaky = fileURLToPath(new URL('../helpers/leaky-agent.mjs', import.meta.url));
const orphaning = fileURLToPath(new URL('../helpers/orphaning-launcher.mjs', import.meta.url));
const launcher = new PtyAgentLauncher();
const agents = new Set<AgentProcess>();
const strays = new Set<number>();
const children = new Set<ChildProcess>();

// Whatever a failed assertion leaves must not outlive the test.
afterEach(async () => {
	await Promise.all([...agents].map(async (agent) => agent.stop(0, {immediate: true})));
	agents.clear();
	for (const child of children) child.kill('SIGKILL');
	children.clear();
	for (const pid of strays) {
		try {
			process.kill(pid, 'SIGKILL');
		} catch {
			// Already gone, as it should be.
		}
	}

	strays.clear();
});

/** Running, as opposed to gone or a zombie nobody has reaped (no init reaps in some containers). */
function running(pid: number): boolean {
	try {
		const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
		return !/^[ZX]/.test(stat.slice(stat.lastIndexOf(')') + 2));
	} catch {
		return false;
	}
}

/** Live processes whose environment holds a token starting with `prefix`. */
function carrying(prefix: string): number[] {
	const found: number[] = [];
	for (const name of readdirSync('/proc')) {
		if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
		try {
			const token = tokenIn(readFileSync(`/proc/${name}/environ`, 'latin1'));
			if (token?.startsWith(prefix) && running(Number(name))) found.push(Number(name));
		} catch {
			// Gone, or not readable.
		}
	}

	return found;
}

interface ChildSpec {
	readonly name: string;
	readonly how: 'group' | 'setsid' | 'daemon' | 'chain';
	readonly ignore?: readonly string[];
	readonly memoryMb?: number;
	readonly env?: 'clean';
}

async function launchLeaky(
	spec: {
		stay?: boolean | 'until-told';
		ignore?: readonly string[];
		children: readonly ChildSpec[];
	},
	token?: string,
): Promise<{agent: AgentProcess; dir: string; pids: () => Map<string, number>}> {
	const dir = await tempRepo();
	const agent = launcher.launch({
		command: process.execPath,
		args: [leaky, dir, JSON.stringify(spec)],
		cwd: dir,
		env: {},
		cols: 80,
		rows: 24,
		logFile: path.join(dir, 'logs', 'agent.log'),
		token,
	});
	agents.add(agent);
	const pids = () => {
		const map = new Map<string, number>();
		for (const child of spec.children) {
			const pid = Number(readFileSync(path.join(dir, `${child.name}.pid`), 'utf8'));
			strays.add(pid);
			map.set(child.name, pid);
		}

		return map;
	};

	return {agent, dir, pids};
}

async function exitOf(agent: AgentProcess): Promise<AgentExit> {
	return new Promise((resolve) => {
		agent.onExit(resolve);
	});
}

const entry = (pid: number, fields: Partial<ProcessEntry> = {}): [number, ProcessEntry] => [
	pid,
	{
		pid,
		ppid: 1,
		pgid: pid,
		sid: pid,
		startTime: String(pid * 10),
		rssBytes: 0,
		token: undefined,
		...fields,
	},
];

describe('an agent’s processes, from a process table', () => {
	const table = new Map([
		entry(100, {token: 'r1.a.t.1'}),
		entry(101, {ppid: 100, pgid: 100, sid: 100, token: 'r1.a.t.1'}),
		// Dropped its environment, but still the leader's child.
		entry(102, {ppid: 100, pgid: 100, sid: 100}),
		// Dropped its environment and was reparented: in the leader's session all the same.
		entry(103, {pgid: 103, sid: 100}),
		// A daemon: new session, reparented to init, the token inherited.
		entry(104, {token: 'r1.a.t.1'}),
		// The daemon's child that dropped the environment.
		entry(105, {ppid: 104}),
		entry(200, {token: 'r1.b.u.1'}),
		entry(201, {ppid: 200, pgid: 200, sid: 200}),
		entry(300),
		entry(301, {ppid: 300, pgid: 300, sid: 300}),
	]);
	const pids = (entries: ProcessEntry[]) => entries.map((e) => e.pid).sort((a, b) => a - b);

	it.each([
		['one attempt', (token: string) => token === 'r1.a.t.1', [100, 101, 102, 103, 104, 105]],
		[
			'a whole run',
			(token: string) => token.startsWith('r1.'),
			[100, 101, 102, 103, 104, 105, 200, 201],
		],
		['another run', (token: string) => token.startsWith('r2.'), []],
	])('finds %s', (_name, matches, expected) => {
		expect(pids(agentMembers(table, matches))).toEqual(expected);
	});

	it('counts a leader without a token while it is the same process, never after', () => {
		const none = () => false;
		expect(pids(agentMembers(table, none, {leader: {pid: 300, startTime: '3000'}}))).toEqual([
			300, 301,
		]);
		// Same pid, another start time: someone else got the pid.
		expect(agentMembers(table, none, {leader: {pid: 300, startTime: '2999'}})).toEqual([]);
	});

	it('never takes in a session or group that no process of the agent created', () => {
		const user = new Map([
			// The user's shell and its tmux server, in the session the orchestrator runs in.
			entry(400),
			entry(401, {ppid: 400, pgid: 401, sid: 400}),
			// A leader just forked, before its setsid: still in the user's session and group.
			entry(500, {ppid: 402, pgid: 400, sid: 400}),
			// A process of the agent that joined nothing of its own.
			entry(501, {ppid: 1, pgid: 400, sid: 400, token: 'r1.a.t.1'}),
		]);
		expect(
			pids(
				agentMembers(user, (token) => token === 'r1.a.t.1', {
					leader: {pid: 500, startTime: '5000'},
				}),
			),
		).toEqual([500, 501]);
	});

	it('never counts the orchestrator itself', () => {
		expect(pids(agentMembers(table, (token) => token === 'r1.b.u.1', {self: 201}))).toEqual([200]);
	});

	it('reads stat lines and environments', () => {
		const stat =
			'4242 (a (weird) name) S 1 4242 4242 0 -1 4194560 1 0 0 0 0 0 0 0 20 0 1 0 987654 1000 25 18446744073709551615';
		expect(parseStat(4242, stat, 4096)).toEqual({
			pid: 4242,
			ppid: 1,
			pgid: 4242,
			sid: 4242,
			startTime: '987654',
			rssBytes: 25 * 4096,
		});
		expect(parseStat(4242, stat.replace(') S', ') Z'), 4096)).toBeUndefined();
		expect(tokenIn(`A=1\u0000${agentTokenVariable}=r.a.t.1\u0000B=2\u0000`)).toBe('r.a.t.1');
		expect(tokenIn(`${agentTokenVariable}=x`)).toBe('x');
		expect(tokenIn(`NOT_${agentTokenVariable}=x\u0000`)).toBeUndefined();
	});
});

describe('signals', () => {
	it('reach a process only while it is the one that was found', async () => {
		const foreign = spawn('sleep', ['60'], {stdio: 'ignore'});
		children.add(foreign);
		const pid = foreign.pid as number;
		await until(() => identify(pid) !== undefined, 'sleep to start');
		const found = identify(pid);
		if (found === undefined) throw new Error('sleep ended');
		const seen: ProcessEntry = {
			...found,
			ppid: process.pid,
			pgid: 0,
			sid: 0,
			rssBytes: 0,
			token: undefined,
		};

		// Another start time: the pid was someone else's when we saw it.
		expect(signalIfOurs({...seen, startTime: `${Number(seen.startTime) - 1}`}, 'SIGKILL')).toBe(
			false,
		);
		// Found by a token it does not carry.
		expect(signalIfOurs({...seen, token: 'r.a.t.1'}, 'SIGKILL')).toBe(false);
		expect(running(pid)).toBe(true);

		expect(signalIfOurs(seen, 'SIGKILL')).toBe(true);
		await until(() => !running(pid), 'sleep to be killed');
	});
});

describe('an agent in a pty', () => {
	it('leaves nothing running when it exits normally: setsid children, daemons, children that ignore SIGHUP', async () => {
		const {agent, pids} = await launchLeaky({
			children: [
				{name: 'group', how: 'group', ignore: ['SIGHUP']},
				{name: 'setsid', how: 'setsid', ignore: ['SIGHUP', 'SIGTERM']},
				{name: 'daemon', how: 'daemon', ignore: ['SIGHUP']},
				{name: 'clean', how: 'group', ignore: ['SIGHUP'], env: 'clean'},
			],
		});

		expect(await exitOf(agent)).toEqual({exitCode: 0, signal: null});
		// Checked at the moment the exit is reported: the attempt is over, so is everything it started.
		const left = [...pids()].filter(([, pid]) => running(pid)).map(([name]) => name);
		expect(left).toEqual([]);
	});

	it.each([
		['when it exits, once the memory sampler has seen the child', false],
		['when it is stopped', true],
	])(
		'stops a child that dropped its environment and outlived the leader, %s',
		async (_name, stop) => {
			const {agent, dir, pids} = await launchLeaky({
				stay: stop ? true : 'until-told',
				ignore: ['SIGINT'],
				children: [
					{name: 'clean', how: 'group', ignore: ['SIGHUP', 'SIGINT', 'SIGTERM'], env: 'clean'},
				],
			});
			await until(() => agent.tail(1)[0] === 'ready', 'the agent to be ready');
			const {clean} = Object.fromEntries(pids());
			if (stop) await agent.stop(100);
			else {
				// The watchdog's look, as every 2 s in a run.
				await new ProcProcessStats().sample(new Map([['t', agent.pid]]));
				writeFileSync(path.join(dir, 'exit'), '');
				await exitOf(agent);
			}

			expect(running(clean ?? 0)).toBe(false);
		},
	);

	it('outruns a child that keeps starting detached copies of itself', async () => {
		const token = `chain${process.pid}.a.t.1`;
		const {agent} = await launchLeaky(
			{children: [{name: 'chain', how: 'chain', ignore: ['SIGHUP', 'SIGTERM']}]},
			token,
		);

		await exitOf(agent);
		expect(carrying(token)).toEqual([]);
	});

	it('stops every process it started, those that left its session too', async () => {
		const stubborn = ['SIGHUP', 'SIGINT', 'SIGTERM'];
		const {agent, pids} = await launchLeaky({
			stay: true,
			ignore: ['SIGINT'],
			children: [
				{name: 'setsid', how: 'setsid', ignore: stubborn},
				{name: 'daemon', how: 'daemon', ignore: stubborn},
			],
		});
		await until(() => agent.tail(1)[0] === 'ready', 'the agent to be ready');
		const started = pids();

		await agent.stop(200);
		const left = [...started].filter(([, pid]) => running(pid)).map(([name]) => name);
		expect(left).toEqual([]);
	});

	it('measures the memory of a child that left the session', async () => {
		const {agent, pids} = await launchLeaky({
			stay: true,
			children: [{name: 'hog', how: 'daemon', memoryMb: 100}],
		});
		await until(() => agent.tail(1)[0] === 'ready', 'the agent to be ready');
		pids();

		const sample = await new ProcProcessStats(new ProcessScanner()).sample(
			new Map([['t', agent.pid]]),
		);
		expect(sample.trees.get('t')).toBeGreaterThan(100 * 1_048_576);
	});

	it('gives a later agent no descriptor of an earlier agent’s terminal', async () => {
		const first = await launchLeaky({stay: true, children: []});
		const second = await launchLeaky({stay: true, children: []});
		await until(
			() => [first, second].every(({agent}) => agent.tail(1)[0] === 'ready'),
			'both agents to be ready',
		);

		const own = readlinkSync(`/proc/${second.agent.pid}/fd/0`);
		const terminals = readdirSync(`/proc/${second.agent.pid}/fd`)
			.map((fd) => {
				try {
					return readlinkSync(`/proc/${second.agent.pid}/fd/${fd}`);
				} catch {
					// Closed meanwhile (node's own fds come and go).
					return '';
				}
			})
			.filter((target) => /^\/dev\/(ptmx|pts\/)/.test(target));
		expect(own).toMatch(/^\/dev\/pts\/\d+$/);
		expect(new Set(terminals)).toEqual(new Set([own]));
	});

	it('never signals a process that got the pid, and group id, of an agent that has exited', async () => {
		// /proc/sys/kernel/ns_last_pid hands the next pid out on purpose (root only); without it the
		// stranger gets whatever pid comes, and the test shows only that it survives.
		let stranger: ChildProcess | undefined;
		const {agent} = await launchLeaky({stay: true, children: []});
		await until(() => agent.tail(1)[0] === 'ready', 'the agent to be ready');
		agent.onExit(() => {
			// Runs as the exit is reported, mid-stop: a new process takes the leader's pid as its
			// group id (a detached child leads a new session and group).
			try {
				writeFileSync('/proc/sys/kernel/ns_last_pid', String(agent.pid - 1));
			} catch {
				// Not root: no pid on request.
			}

			stranger = spawn('sleep', ['60'], {detached: true, stdio: 'ignore'});
			children.add(stranger);
		});
		await agent.stop(100);
		await agent.stop(100, {immediate: true});

		const pid = stranger?.pid as number;
		expect(pid).toBeGreaterThan(0);

		await new Promise((resolve) => setTimeout(resolve, 200));
		expect(running(pid)).toBe(true);
	});
});

describe('after an orchestrator is SIGKILLed', () => {
	it('its agents’ terminals close (no later agent holds them), and the next run stops every agent of the dead run', async () => {
		const dir = await tempRepo();
		const runId = `dead${process.pid}`;
		const orchestrator = spawn(
			process.execPath,
			[
				orphaning,
				dir,
				runId,
				JSON.stringify([
					// Goes with its terminal, as an agent should.
					{stay: true, children: []},
					// Ignores SIGHUP: stays, and keeps nothing else alive.
					{
						stay: true,
						ignore: ['SIGHUP'],
						children: [{name: 'daemon', how: 'daemon', ignore: ['SIGHUP', 'SIGTERM']}],
					},
				]),
			],
			{stdio: ['ignore', 'pipe', 'inherit']},
		);
		children.add(orchestrator);
		let out = '';
		orchestrator.stdout?.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
		await until(() => out.includes('\n'), 'the agents to start');
		const [first, second] = out.trim().split(' ').slice(1).map(Number) as [number, number];
		for (const pid of carrying(`${runId}.`)) strays.add(pid);

		orchestrator.kill('SIGKILL');
		await until(() => !running(first), 'the first agent to go with its terminal');
		expect(running(second)).toBe(true);
		expect(carrying(`${runId}.`).length).toBeGreaterThanOrEqual(2);

		const stopped = await stopAgentsOfRun(runId, {graceMs: 300});
		expect(stopped).toBeGreaterThanOrEqual(2);
		expect(carrying(`${runId}.`)).toEqual([]);
		expect(await stopAgentsOfRun(runId)).toBe(0);
	});
});
