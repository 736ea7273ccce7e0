/** The documented line any agent may print to say what it spent. */
import {describe, expect, it} from 'vitest';
import {parseUsageLine} from '../../../source/core/clis/usage-line.js';

describe('the JETPACK_USAGE line', () => {
	it.each([
		['JETPACK_USAGE {"costUsd": 0.42}', {costUsd: 0.42}],
		[
			'  JETPACK_USAGE {"model": "m", "inputTokens": 1200, "outputTokens": 300, "sessionId": "s1"}',
			{model: 'm', inputTokens: 1200, outputTokens: 300, sessionId: 's1'},
		],
		['JETPACK_USAGE {"costUsd": -1, "inputTokens": "many", "extra": 1}', undefined],
		['JETPACK_USAGE not json', undefined],
		['usage: $0.42', undefined],
	])('%s', (line, usage) => {
		expect(parseUsageLine(line)).toEqual(usage);
	});
});
