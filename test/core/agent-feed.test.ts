import {describe, expect, it} from 'vitest';
import {AgentFeed} from '../../source/core/agent-feed.js';
import {FakeAgent} from '../helpers/fake-agents.js';

const launch = {
	command: 'agent',
	args: [],
	cwd: '/tmp',
	cols: 80,
	rows: 24,
	logFile: '/tmp/agent.log',
	env: {},
};

const agent = (pid: number) => new FakeAgent({...launch}, pid, () => undefined);

describe('AgentFeed', () => {
	it("watches its process's screen only while someone watches the feed", () => {
		const feed = new AgentFeed();
		const first = agent(1);
		const attempt = feed.show(first);
		// Headless, or a pane off screen: the process is not asked to keep its screen up to date.
		expect(first.screenWatchers).toBe(0);

		let changes = 0;
		const pane = feed.onScreen(() => {
			changes++;
		});
		expect(first.screenWatchers).toBe(1);
		first.draw(['working']);
		expect(changes).toBe(1);
		expect(feed.screen().lines[0]?.[0]?.text).toBe('working');

		pane.dispose();
		expect(first.screenWatchers).toBe(0);
		attempt.dispose();
	});

	it('follows the next process, watched only if the feed is, and lets go of the last one', () => {
		const feed = new AgentFeed();
		const first = agent(1);
		const firstAttempt = feed.show(first);
		let changes = 0;
		const pane = feed.onScreen(() => {
			changes++;
		});
		firstAttempt.dispose();
		expect(first.screenWatchers).toBe(0);

		const second = agent(2);
		feed.show(second);
		// Told once: a new process is on show.
		expect(changes).toBe(1);
		expect(second.screenWatchers).toBe(1);
		expect(first.screenWatchers).toBe(0);
		// A late dispose of the first attempt's subscription leaves the second watched.
		firstAttempt.dispose();
		expect(second.screenWatchers).toBe(1);
		pane.dispose();
		expect(second.screenWatchers).toBe(0);
	});
});
