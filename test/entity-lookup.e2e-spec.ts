import { DataSource } from 'typeorm';
import { CallRequest } from '../src/campaigns/call-request.entity';
import { EntityLookup } from '../src/database/entity-lookup';
import { RequestSql } from '../src/database/request-sql';
import { Organization } from '../src/organizations/organization.entity';
import { OrganizationsService } from '../src/organizations/organizations.service';
import { startTestApp, TestApp } from './support/test-app';

/** The hand-written lookups answer exactly what TypeORM's findOneBy answers, transformers and all. */
describe('EntityLookup', () => {
  let t: TestApp;
  let db: DataSource;

  beforeAll(async () => {
    t = await startTestApp();
    db = t.app.get(DataSource);
  });
  afterAll(() => t.close());

  it('hydrates an organization like findOneBy: numeric through its transformer, JSON, dates', async () => {
    const { id, apiKey } = await t.createOrganization(7, 'Lookup');
    await db.query(`UPDATE organizations SET calls_per_second = 2.5, calling_hours = $2, max_calls_per_number_per_day = 3 WHERE id = $1`, [
      id,
      JSON.stringify({ timeZone: 'Asia/Singapore', windows: [{ days: ['mon'], from: '09:00', to: '18:00' }] }),
    ]);
    const expected = await db.getRepository(Organization).findOneByOrFail({ id });
    const found = await new EntityLookup(db, t.app.get(RequestSql), Organization, 'id = $1').find(id);
    expect(found).toBeInstanceOf(Organization);
    expect(found).toEqual(expected);
    expect(found!.callsPerSecond).toBe(2.5);
    expect(found!.createdAt).toBeInstanceOf(Date);
    expect(await t.app.get(OrganizationsService).findByApiKey(apiKey)).toEqual(expected);
  });

  it('hydrates a campaign like findOneBy, and finds nothing for values that match no row', async () => {
    const { apiKey, id: organizationId } = await t.createOrganization(1, 'Lookup campaigns');
    const body = { requestId: 'lookup', destinations: [{ phone: '+6591111111', caller: '+6582674904', properties: { name: 'A' } }], callFlow: { steps: [{ name: 'play', message: { msg: 'Hi {{name}}' } }] } };
    expect((await t.http.post('/call').set('x-credential-api-key', apiKey).send(body)).status).toBe(200);
    await t.waitForStatus(apiKey, 'lookup');
    const lookup = new EntityLookup(db, t.app.get(RequestSql), CallRequest, 'organization_id = $1 AND request_id = $2');
    expect(await lookup.find(organizationId, 'lookup')).toEqual(await db.getRepository(CallRequest).findOneByOrFail({ organizationId, requestId: 'lookup' }));
    expect(await lookup.find(organizationId, 'nope')).toBeNull();
    // Again, on connections that have the statement prepared by now: the same answers.
    for (let i = 0; i < 3; i++) expect((await lookup.find(organizationId, 'lookup'))?.requestId).toBe('lookup');
  });
});
