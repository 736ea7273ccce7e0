/** The real clock and timers behind the core's `Clock` and `Timers` ports. */
import type {Timers} from '../core/orchestrator.js';
import type {Clock} from '../core/ports.js';

export const systemClock: Clock = {now: () => new Date()};

export const systemTimers: Timers = {
	setTimeout(callback, ms) {
		const timer = setTimeout(callback, ms);
		return {dispose: () => clearTimeout(timer)};
	},
	setInterval(callback, ms) {
		const timer = setInterval(callback, ms);
		return {dispose: () => clearInterval(timer)};
	},
};
