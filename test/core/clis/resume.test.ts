/** Resuming a CLI's conversation instead of starting over (PRODUCT.md §14), per CLI. */
import {describe, expect, it} from 'vitest';
import {claude} from '../../../source/core/clis/claude.js';
import {codex} from '../../../source/core/clis/codex.js';
import {builtInTemplates} from '../../../source/core/profiles.js';

describe('resuming a conversation', () => {
	it('adds --resume to claude’s arguments, once', () => {
		const args = builtInTemplates['claude']?.args ?? [];
		expect(claude.resumeArgs?.(args, 's1')).toEqual([...args, '--resume', 's1']);
		expect(claude.resumeArgs?.([...args, '--resume', 's0'], 's1')).toBeUndefined();
	});

	it('puts codex’s resume subcommand and session before the prompt, as codex-cli 0.171 takes it', () => {
		expect(
			codex.resumeArgs?.(
				[
					'exec',
					'--json',
					'--sandbox',
					'workspace-write',
					'--skip-git-repo-check',
					'--',
					'{prompt}',
				],
				't1',
			),
		).toEqual([
			'exec',
			'--json',
			'--sandbox',
			'workspace-write',
			'--skip-git-repo-check',
			'resume',
			't1',
			'--',
			'{prompt}',
		]);
		expect(codex.resumeArgs?.(['exec', '--json', '{prompt}'], 't1')).toEqual([
			'exec',
			'--json',
			'resume',
			't1',
			'{prompt}',
		]);
		expect(codex.resumeArgs?.(['--help'], 't1')).toBeUndefined();
	});
});
