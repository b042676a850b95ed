import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { removeStaleSpools } from '../common/multipart-upload';

describe('removeStaleSpools', () => {
  const dir = mkdtempSync(join(tmpdir(), 'robocall-stale-spools-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("removes the spools of processes that are gone and of an earlier process with this pid, keeps live ones and anything else", async () => {
    // A pid that existed and is gone: a child that has exited.
    const gone = spawnSync(process.execPath, ['-e', '0']).pid!;
    const make = (name: string) => {
      mkdirSync(join(dir, name));
      writeFileSync(join(dir, name, 'upload'), 'phone\n+6591234567\n');
      return name;
    };
    const deadProcess = make(`robocall-upload-${gone}-0a1b2c3d-AbCdEf`);
    const earlierSelf = make(`robocall-upload-${process.pid}-ffffffff-AbCdEf`);
    const liveOther = make(`robocall-upload-${process.ppid}-0a1b2c3d-AbCdEf`);
    const oldStyle = make('robocall-upload-AbCdEf');
    const unrelated = make('something-else');

    const removed = await removeStaleSpools(dir);

    expect(removed.sort()).toEqual([deadProcess, earlierSelf].sort());
    expect(readdirSync(dir).sort()).toEqual([liveOther, oldStyle, unrelated].sort());
    expect(existsSync(join(dir, deadProcess))).toBe(false);
  });

  it('never throws, even for a directory that does not exist', async () => {
    await expect(removeStaleSpools(join(dir, 'missing'))).resolves.toEqual([]);
  });
});
