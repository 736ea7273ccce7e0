import {cleanup, render} from 'ink-testing-library';
import {afterEach, describe, expect, it} from 'vitest';
import {simulatedPlan, type PlanOutcome} from '../../source/core/plan.js';
import {newTask} from '../../source/core/task.js';
import {PlanDialog, type Planner} from '../../source/ui/components/plan-dialog.js';
import {KeyRouterProvider} from '../../source/ui/hooks/use-latest-input.js';
import {fakeBoard} from '../helpers/fake-run.js';
import {frameWith, keys, press} from '../helpers/ink.js';
import {until} from '../helpers/until.js';

afterEach(() => {
	cleanup();
});

/** A planner whose answer the test gives when it likes; records what it was asked and aborts. */
function heldPlanner() {
	const asked: string[] = [];
	let aborted = 0;
	let answer: (outcome: PlanOutcome) => void = () => undefined;
	const planner: Planner = async (request, signal) => {
		asked.push(request);
		signal.addEventListener('abort', () => aborted++);
		return new Promise((resolve) => {
			answer = resolve;
		});
	};

	return {
		planner,
		asked,
		aborted: () => aborted,
		answer: (outcome: PlanOutcome) => answer(outcome),
	};
}

async function show(planner: Planner) {
	const {board, repository} = await fakeBoard(
		new Map([['bd-old1', newTask({id: 'bd-old1', title: 'old'})]]),
	);
	const closed: Array<string | undefined> = [];
	const rendered = render(
		<KeyRouterProvider>
			<PlanDialog
				planner={planner}
				board={board}
				width={100}
				height={24}
				onTyping={() => undefined}
				onClose={(message) => closed.push(message)}
			/>
		</KeyRouterProvider>,
	);
	await frameWith(rendered, 'Request:');
	return {rendered, repository, closed};
}

describe('PlanDialog', () => {
	it('asks, plans without blocking (a spinner), shows the tree, and writes it on enter', async () => {
		const held = heldPlanner();
		const {rendered, repository, closed} = await show(held.planner);
		await press(rendered, 'Add search, then docs', keys.enter);
		await frameWith(rendered, 'planning…');
		expect(held.asked).toEqual(['Add search, then docs']);
		held.answer({kind: 'plan', plan: simulatedPlan('Add search, then docs'), attempts: 1});
		const frame = await frameWith(rendered, 'Critical path:');
		expect(frame).toContain('Epic: Add search, then docs');
		expect(frame).toContain('Total estimate: ');
		expect(frame).toContain('enter/a: accept and write');
		await press(rendered, keys.enter);
		await until(() => closed.length === 1, 'the dialog to close');
		expect(closed[0]).toMatch(/^Wrote epic bd-[\da-z]+ and 4 tasks\.$/);
		const tasks = [...(await repository.read()).values()];
		expect(tasks).toHaveLength(6);
		expect(tasks.filter((task) => task.type === 'epic')).toHaveLength(1);
	});

	it('discards with d, writing nothing', async () => {
		const held = heldPlanner();
		const {rendered, repository, closed} = await show(held.planner);
		await press(rendered, 'Fix it', keys.enter);
		await frameWith(rendered, 'planning…');
		held.answer({kind: 'plan', plan: simulatedPlan('Fix it'), attempts: 1});
		await frameWith(rendered, 'Critical path:');
		await press(rendered, 'd');
		await until(() => closed.length === 1, 'the dialog to close');
		expect(closed[0]).toContain('discarded');
		expect((await repository.read()).size).toBe(1);
	});

	it('esc while planning stops the agent', async () => {
		const held = heldPlanner();
		const {rendered, closed} = await show(held.planner);
		await press(rendered, 'Fix it', keys.enter);
		await frameWith(rendered, 'planning…');
		await press(rendered, keys.esc);
		await until(() => closed.length === 1, 'the dialog to close');
		rendered.unmount();
		await until(() => held.aborted() === 1, 'the planner to be stopped');
	});

	it('shows why there is no plan', async () => {
		const held = heldPlanner();
		const {rendered} = await show(held.planner);
		await press(rendered, 'Fix it', keys.enter);
		await frameWith(rendered, 'planning…');
		held.answer({kind: 'invalid', errors: ['cycle: a → b → a'], attempts: 2});
		const frame = await frameWith(rendered, 'still not valid');
		expect(frame).toContain('- cycle: a → b → a');
	});
});
