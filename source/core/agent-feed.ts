import {
	blankScreen,
	type AgentProcess,
	type Disposable,
	type Screen,
	type ScreenSource,
} from './agent-ports.js';

/**
 * One pane's source, stable for the agent's life in the pool: it follows each new process, and
 * keeps the last one's final screen on show until the next starts. It listens to the process only
 * while someone listens to it: a screen nobody watches is not kept up to date as output comes
 * (headless, a hidden pane), which is most of what an agent's output costs.
 */
export class AgentFeed implements ScreenSource {
	readonly #listeners = new Set<() => void>();
	#process: AgentProcess | undefined;
	#subscription: Disposable | undefined;

	/** Shows `process` from now on; the returned subscription ends with the attempt. */
	show(process: AgentProcess): Disposable {
		this.#unwatch();
		this.#process = process;
		if (this.#listeners.size > 0) this.#watch();
		this.#changed();
		return {
			dispose: () => {
				if (this.#process === process) this.#unwatch();
			},
		};
	}

	screen(): Screen {
		return this.#process?.screen() ?? blankScreen;
	}

	onScreen(listener: () => void): Disposable {
		this.#listeners.add(listener);
		if (this.#listeners.size === 1) this.#watch();
		return {
			dispose: () => {
				if (this.#listeners.delete(listener) && this.#listeners.size === 0) this.#unwatch();
			},
		};
	}

	#watch(): void {
		this.#subscription ??= this.#process?.onScreen(() => {
			this.#changed();
		});
	}

	#unwatch(): void {
		this.#subscription?.dispose();
		this.#subscription = undefined;
	}

	#changed(): void {
		for (const listener of this.#listeners) listener();
	}
}
