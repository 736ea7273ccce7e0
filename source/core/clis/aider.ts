/**
 * aider (Python, through litellm): its screen only, it has no structured mode. Its wording is
 * taken from its source (Aider-AI/aider: aider/io.py confirm_ask, aider/exceptions.py,
 * aider/coders/base_coder.py, aider/onboarding.py, aider/models.py); the fixtures and their
 * sources: test/fixtures/clis/aider/README.md.
 */
import {lastMatch, type CliDetector, type Finding} from './detector.js';

/**
 * Its exceptions are printed as litellm names them (`litellm.RateLimitError: …`), at the start
 * of a line (older versions after `Unexpected error: `), then its own one-line explanation.
 */
const litellm = (names: string) => new RegExp(`^(?:Unexpected error: )?litellm\\.(?:${names}): `);

/** aider/exceptions.py descriptions, and the litellm names behind them. */
const limitPatterns = [
	/^The API provider has rate limited you\. Try again later or check your quotas\.$/,
	litellm('RateLimitError'),
];

const authPatterns = [
	/^The API provider is not able to authenticate you\. Check your API key\.$/,
	/^Permission was denied\. Check your API key and\/or credentials\.$/,
	/^Insufficient credits with the API provider\. Please add credits\.$/,
	/^No LLM model was specified and no API keys were provided\.$/,
	/^Unable to proceed without an OpenRouter API key for model /,
	/^OpenRouter authentication did not complete successfully\.$/,
	litellm('AuthenticationError|PermissionDeniedError'),
];

const apiErrorPatterns = [
	/^The API provider's servers are down or overloaded\.$/,
	/^The API provider timed out without returning a response\. They may be down or overloaded\.$/,
	/^OpenRouter or the upstream API provider is down, overloaded or rate limiting your requests\.$/,
	litellm('InternalServerError|ServiceUnavailableError|BadGatewayError|Timeout'),
	// litellm once reported Anthropic's overload as a connection error.
	new RegExp(`${litellm('APIConnectionError').source}.*overloaded`, 'i'),
];

/** A connection litellm could not make (the openai/anthropic SDKs' "Connection error."). */
const offlinePattern = new RegExp(
	`${litellm('APIConnectionError').source}.*(?:Connection error|Temporary failure in name resolution|Name or service not known|getaddrinfo|Failed to establish a new connection|Connection refused|Network is unreachable)`,
);

/** `Warning: MODEL expects these environment variables` then `- KEY: Not set` (models.py). */
const missingKeyWarning = /^Warning: .+ expects these environment variables$/;
const keyNotSet = /^- [A-Z][A-Z0-9_]*: Not set$/;

/**
 * confirm_ask's question: `QUESTION? (Y)es/(N)o[/(A)ll][/(S)kip all][/(D)on't ask again]
 * [Yes]: `, waiting when it is the last thing on the screen and nothing has been typed.
 */
const question =
	/\? \(Y\)es\/\(N\)o(?:\/\(A\)ll)?(?:\/\(S\)kip all)?(?:\/\(D\)on't ask again)? \[[^\]]*\]:$/;

export const aiderDetector: CliDetector = {
	name: 'aider',
	detect(lines, _now) {
		const trimmed = lines.map((line) => line.trim());
		return (
			first(trimmed, limitPatterns, 'limit') ??
			missingKey(trimmed) ??
			first(trimmed, authPatterns, 'auth') ??
			first(trimmed, apiErrorPatterns, 'api-error') ??
			first(trimmed, [offlinePattern], 'offline') ??
			waiting(trimmed)
		);
	},
};

function first(
	lines: readonly string[],
	patterns: readonly RegExp[],
	kind: 'limit' | 'auth' | 'api-error' | 'offline',
): Finding | undefined {
	for (const pattern of patterns) {
		const found = lastMatch(lines, pattern);
		if (found !== undefined) return {kind, message: found.line};
	}

	return undefined;
}

function missingKey(lines: readonly string[]): Finding | undefined {
	for (let i = lines.length - 1; i >= 0; i--) {
		if (!missingKeyWarning.test(lines[i] ?? '')) continue;
		const unset = lines.slice(i + 1).find((line) => keyNotSet.test(line));
		if (unset !== undefined) return {kind: 'auth', message: `${lines[i]} ${unset}`.slice(0, 300)};
	}

	return undefined;
}

function waiting(lines: readonly string[]): Finding | undefined {
	const last = lines.findLast((line) => line !== '');
	return last !== undefined && question.test(last)
		? {kind: 'waiting', message: last.slice(0, 300)}
		: undefined;
}
