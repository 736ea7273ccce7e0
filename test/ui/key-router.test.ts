import {describe, expect, it} from 'vitest';
import {KeyRouter, keyPriority} from '../../source/ui/key-router.js';

/** A handler that logs its name and takes the key when `takes` says so. */
function logging(log: string[], name: string, takes: (key: string) => boolean) {
	return (key: string) => {
		log.push(`${name}:${key}`);
		return takes(key);
	};
}

const all = () => true;
const none = () => false;

describe('KeyRouter', () => {
	it.each([
		{
			name: 'highest priority first, stopping at the first that takes the key',
			handlers: [
				['global', keyPriority.global, all],
				['modal', keyPriority.modal, all],
				['view', keyPriority.view, all],
			] as const,
			key: 'q',
			reached: ['modal:q'],
			taken: true,
		},
		{
			name: 'a key nobody takes reaches everyone, from the top',
			handlers: [
				['global', keyPriority.global, none],
				['view', keyPriority.view, none],
				['text', keyPriority.textField, none],
			] as const,
			key: 'x',
			reached: ['text:x', 'view:x', 'global:x'],
			taken: false,
		},
		{
			name: 'a handler that declines passes the key down',
			handlers: [
				['view', keyPriority.view, (key: string) => key === 'esc'],
				['text', keyPriority.textField, (key: string) => key !== 'esc'],
				['global', keyPriority.global, all],
			] as const,
			key: 'esc',
			reached: ['text:esc', 'view:esc'],
			taken: true,
		},
		{
			name: 'among equals, the latest registered first',
			handlers: [
				['first', keyPriority.modal, all],
				['second', keyPriority.modal, all],
			] as const,
			key: 'y',
			reached: ['second:y'],
			taken: true,
		},
		{
			name: 'among equals that decline, latest to earliest',
			handlers: [
				['a', keyPriority.view, none],
				['b', keyPriority.view, none],
				['c', keyPriority.view, none],
			] as const,
			key: 'k',
			reached: ['c:k', 'b:k', 'a:k'],
			taken: false,
		},
		{
			name: 'stopping comes before a modal',
			handlers: [
				['modal', keyPriority.modal, all],
				['stopping', keyPriority.stopping, (key: string) => key === 'q'],
			] as const,
			key: 'q',
			reached: ['stopping:q'],
			taken: true,
		},
		{name: 'no handlers', handlers: [] as const, key: 'q', reached: [], taken: false},
	])('$name', ({handlers, key, reached, taken}) => {
		const router = new KeyRouter<string>();
		const log: string[] = [];
		for (const [name, priority, takes] of handlers)
			router.register(logging(log, name, takes), priority);
		expect(router.dispatch(key)).toBe(taken);
		expect(log).toEqual(reached);
	});

	it('a handler taken out gets no more keys, and the rest keep their order', () => {
		const router = new KeyRouter<string>();
		const log: string[] = [];
		router.register(logging(log, 'view', none), keyPriority.view);
		const close = router.register(logging(log, 'modal', all), keyPriority.modal);
		router.register(logging(log, 'global', none), keyPriority.global);
		router.dispatch('a');
		close();
		close();
		router.dispatch('b');
		expect(log).toEqual(['modal:a', 'view:b', 'global:b']);
	});

	it('a key that closes a modal and opens another does not reach either change', () => {
		const router = new KeyRouter<string>();
		const log: string[] = [];
		let close: () => void = () => undefined;
		router.register(logging(log, 'view', none), keyPriority.view);
		close = router.register((key) => {
			log.push(`modal:${key}`);
			close();
			router.register(logging(log, 'next', all), keyPriority.modal);
			return false;
		}, keyPriority.modal);
		router.dispatch('n');
		router.dispatch('m');
		expect(log).toEqual(['modal:n', 'view:n', 'next:m']);
	});
});
