// Stands in for an orchestrator that is about to be SIGKILLed: `node orphaning-launcher.mjs DIR
// RUNID AGENTS`, AGENTS a JSON array of leaky-agent.mjs specs. Launches each in a pty with a token
// of run RUNID, prints "launched <pid> <pid>…" once every agent is ready, and waits to be killed.
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {PtyAgentLauncher} from '../../dist/adapters/pty-agent.js';

const [, , dir, runId, agentsText] = process.argv;
const leaky = fileURLToPath(new URL('leaky-agent.mjs', import.meta.url));
const launcher = new PtyAgentLauncher();
const agents = JSON.parse(agentsText).map((spec, index) =>
	launcher.launch({
		command: process.execPath,
		args: [leaky, dir, JSON.stringify(spec)],
		cwd: dir,
		env: {},
		cols: 80,
		rows: 24,
		logFile: path.join(dir, 'logs', `${index}.log`),
		token: `${runId}.agent${index}.task${index}.1`,
	}),
);
const wait = setInterval(() => {
	if (!agents.every((agent) => agent.tail(1)[0] === 'ready')) return;
	clearInterval(wait);
	console.log(`launched ${agents.map((agent) => agent.pid).join(' ')}`);
}, 20);
