/**
 * What a fake model answers to jetpack-tui's planning prompt (PRODUCT.md §16): a task graph as
 * JSON in a fence, as real models write it. Scenario `plan` answers a valid graph; `plan-retry`
 * answers one with a cycle and an empty title first, and a valid one once the prompt carries the
 * errors back; `plan-invalid` never answers a valid one. FAKE_PLAN_TASKS: how many tasks (default 6).
 */
const size = Math.max(2, Number(process.env.FAKE_PLAN_TASKS ?? 6));

/** Whether a request's text is jetpack-tui's planning prompt (the words core/plan.ts keeps). */
export const isPlanPrompt = (text) => text.includes('task graph as JSON');
const isRetry = (text) => text.includes('previous answer was not valid');

export function planScenario(scenario) {
	return ['plan', 'plan-retry', 'plan-invalid'].includes(scenario);
}

function validPlan() {
	const tasks = [
		{
			key: 'schema',
			title: 'Add the sessions table and its migration',
			description:
				'A migration that creates sessions(id, user_id, expires_at); it runs up and down cleanly.',
			estimatedMinutes: 30,
			requiredSkills: ['sql'],
			dependsOn: [],
		},
	];
	for (let i = 1; i < size - 1; i++)
		tasks.push({
			key: `part-${i}`,
			title: `Build part ${i} of the login flow`,
			description: `Part ${i}: implemented, with unit tests.`,
			estimatedMinutes: 20 + 10 * (i % 4),
			requiredSkills: i % 2 === 0 ? ['typescript'] : ['typescript', 'react'],
			dependsOn: i === 1 ? ['schema'] : ['schema', `part-${i - 1}`].slice(i % 3 === 0 ? 0 : 1),
		});
	tasks.push({
		key: 'e2e',
		title: 'End-to-end test of logging in and out',
		description: 'A browser test that logs in, reloads, and logs out.',
		estimatedMinutes: 45,
		requiredSkills: ['testing'],
		dependsOn: tasks.slice(1).map((task) => task.key),
	});
	return {
		epic: {
			title: 'Log in with sessions',
			description: 'Users log in; sessions live in the database.',
		},
		tasks,
	};
}

function invalidPlan() {
	const plan = validPlan();
	plan.tasks[0].dependsOn = ['e2e'];
	plan.tasks[1].title = '';
	return plan;
}

/** The answer's text for a prompt; undefined when the prompt is not a planning prompt. */
export function planAnswer(scenario, promptText) {
	if (!isPlanPrompt(promptText)) return undefined;
	const valid = scenario === 'plan' || (scenario === 'plan-retry' && isRetry(promptText));
	const plan = valid ? validPlan() : invalidPlan();
	return `I read the repository layout and split the request into tasks.\n\n\`\`\`json\n${JSON.stringify(plan, undefined, 2)}\n\`\`\`\n`;
}
