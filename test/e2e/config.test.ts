import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { owed, snapshot } from '../support/cli.js';
import { scratchDatabase, testEngines, type ScratchDatabase } from '../support/engines.js';
import { owedInProcess, seed, tempDir } from './helpers.js';

function writeJson(file: string, value: unknown): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, typeof value === 'string' ? value : JSON.stringify(value));
}

describe.each(testEngines())('%s', (engine) => {
  let local: ScratchDatabase;
  let user: ScratchDatabase;
  let other: ScratchDatabase;
  let tmp: ReturnType<typeof tempDir>;
  let project: string;
  let elsewhere: string;
  let configHome: string;

  beforeEach(async () => {
    [local, user, other] = await Promise.all([scratchDatabase(engine), scratchDatabase(engine), scratchDatabase(engine)]);
    tmp = tempDir();
    project = path.join(tmp.dir, 'project');
    elsewhere = path.join(tmp.dir, 'elsewhere');
    configHome = path.join(tmp.dir, 'config');
    fs.mkdirSync(project);
    fs.mkdirSync(elsewhere);
    await seed(local.dbArg, ['init'], ['customer', 'add', 'LOCAL', '--name', 'From the local config']);
    await seed(user.dbArg, ['init'], ['customer', 'add', 'USER', '--name', 'From the user config']);
    await seed(other.dbArg, ['init'], ['customer', 'add', 'OTHER', '--name', 'From --db or OWED_DB']);
  });
  afterEach(async () => {
    tmp.remove();
    await Promise.all([local.drop(), user.drop(), other.drop()]);
  });

  const codes = (stdout: string): string[] => (JSON.parse(stdout) as { code: string }[]).map((c) => c.code);

  it('./owed.config.json wins over $XDG_CONFIG_HOME/owed/config.json; OWED_DB wins over both; --db wins over all', async () => {
    writeJson(path.join(project, 'owed.config.json'), { db: local.dbArg, format: 'csv' });
    writeJson(path.join(configHome, 'owed', 'config.json'), { db: user.dbArg, format: 'json' });
    const env = { XDG_CONFIG_HOME: configHome };

    const inProject = await owed(['customer', 'list'], { cwd: project, env });
    expect(inProject.code).toBe(0);
    expect(inProject.stderr).toBe('');
    // The local file's db and format, not the user file's.
    expect(inProject.stdout).toBe('code,name,currency,terms,credit_limit,segment,email,phone,on_hold\nLOCAL,From the local config,CNY,NET30,,,,,false\n');

    const outside = await owed(['customer', 'list'], { cwd: elsewhere, env });
    expect(outside.code).toBe(0);
    expect(codes(outside.stdout)).toEqual(['USER']);

    const byEnv = await owed(['customer', 'list', '--json'], { cwd: project, env: { ...env, OWED_DB: other.dbArg } });
    expect(byEnv.code).toBe(0);
    expect(codes(byEnv.stdout)).toEqual(['OTHER']);

    const byFlag = await owed(['--db', other.dbArg, 'customer', 'list', '--json'], { cwd: project, env: { ...env, OWED_DB: user.dbArg } });
    expect(byFlag.code).toBe(0);
    expect(codes(byFlag.stdout)).toEqual(['OTHER']);
  });

  it('an invalid config file exits 2 naming the file, and writes nothing', async () => {
    const env = { XDG_CONFIG_HOME: configHome };
    const before = await snapshot(local.target);
    const localFile = path.join(project, 'owed.config.json');
    const userFile = path.join(configHome, 'owed', 'config.json');
    const cases: [string, string, RegExp][] = [
      [localFile, `{"db": ${JSON.stringify(local.dbArg)},}`, /is not valid JSON/],
      [localFile, JSON.stringify({ db: local.dbArg, colour: 'never' }), /unknown key "colour"/],
      [userFile, JSON.stringify([local.dbArg]), /must hold a JSON object/],
    ];
    for (const [i, [file, text, message]] of cases.entries()) {
      fs.rmSync(localFile, { force: true });
      fs.rmSync(userFile, { force: true });
      writeJson(file, text);
      // The first through the binary, the rest in-process (same code, no node start-up).
      const args = ['--db', local.dbArg, 'customer', 'add', 'C001', '--name', 'X'];
      const r = i === 0 ? await owed(args, { cwd: project, env }) : await owedInProcess(args, env, project);
      expect(r.code, text).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toContain(`config file ${file}`);
      expect(r.stderr).toMatch(message);
    }
    expect(await snapshot(local.target)).toBe(before);
  });
});
