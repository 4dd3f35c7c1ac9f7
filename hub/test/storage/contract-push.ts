import { describe, expect, it } from 'vitest';
import { MAX_SUBSCRIPTIONS_PER_USER } from '../../src/storage/push-subscription-repository';
import type { ContractContext } from './contract';
import { OTHER_SCHEME, SCHEME } from './contract-fixtures';

const sub = (name: string) => ({
  endpoint: `https://push.example.com/${name}`,
  keys: { p256dh: `p256-${name}`, auth: `auth-${name}` },
  device: `${name} phone`,
});

export function pushContract({ s }: ContractContext) {
  describe('PushSubscriptionRepository', () => {
    it("keeps each person's subscriptions and gives a scheme only its own users'", async () => {
      const p = s().push;
      await p.save('boots-staff', sub('a'));
      await p.save('warden', sub('b'));
      await p.save('city-staff', sub('c'));
      expect(await p.forUser('boots-staff')).toEqual([
        expect.objectContaining({ endpoint: sub('a').endpoint, p256dh: 'p256-a', auth: 'auth-a', device: 'a phone' }),
      ]);
      expect((await p.forScheme(SCHEME)).map((x) => x.username).sort()).toEqual(['boots-staff', 'warden']);
      expect((await p.forScheme(OTHER_SCHEME)).map((x) => x.username)).toEqual(['city-staff']);
    });

    it('gives a browser to whoever signed in on it last', async () => {
      const p = s().push;
      await p.save('boots-staff', sub('shared'));
      await p.save('warden', sub('shared'));
      expect(await p.forUser('boots-staff')).toEqual([]);
      expect((await p.forUser('warden')).map((x) => x.endpoint)).toEqual([sub('shared').endpoint]);
    });

    it('removes only a subscription of the asking user; drops a gone one for anybody', async () => {
      const p = s().push;
      await p.save('boots-staff', sub('a'));
      expect(await p.remove('warden', sub('a').endpoint)).toBe(false);
      expect(await p.forUser('boots-staff')).toHaveLength(1);
      expect(await p.remove('boots-staff', sub('a').endpoint)).toBe(true);
      expect(await p.remove('boots-staff', sub('a').endpoint)).toBe(false);
      await p.save('warden', sub('b'));
      await p.drop(sub('b').endpoint);
      expect(await p.forUser('warden')).toEqual([]);
    });

    it('keeps at most the newest few per person', async () => {
      const p = s().push;
      for (let i = 0; i <= MAX_SUBSCRIPTIONS_PER_USER; i++) await p.save('boots-staff', sub(`n${i}`));
      const kept = (await p.forUser('boots-staff')).map((x) => x.endpoint);
      expect(kept).toHaveLength(MAX_SUBSCRIPTIONS_PER_USER);
      expect(kept).not.toContain(sub('n0').endpoint);
      expect(kept).toContain(sub(`n${MAX_SUBSCRIPTIONS_PER_USER}`).endpoint);
    });
  });
}
