/**
 * The Telegram Login Widget's signature check (extensions/account/telegram-login.ts), held to
 * another implementation's known answer (test/fixtures/telegram/login_widget.json, aiogram's
 * test) and to what Telegram's page says must be refused.
 */
import { expect } from 'chai';
import { checkTelegramLogin, dataCheckString, loginHash } from '../../extensions/account/telegram-login.ts';
import { fixture } from '../fixtures/load.ts';

describe('account: the Telegram Login Widget\'s proof', () => {
  const widget = fixture('telegram', 'login_widget');
  const token = widget.bot_token as string;
  const fields = widget.body as Record<string, string>;
  const signedAt = new Date(Number(fields.auth_date) * 1000);
  const hourLater = new Date(signedAt.getTime() + 3_600_000);

  it('builds the data-check-string of every field but hash, sorted by name, one key=value a line', () => {
    expect(dataCheckString(fields)).to.equal(
      'auth_date=1565810688\nfirst_name=John\nid=42\nlast_name=Smith\nphoto_url=https://t.me/i/userpic/320/picname.jpg\nusername=username');
  });

  it('signs as aiogram\'s test says Telegram signs: hex HMAC-SHA-256 keyed with SHA-256 of the bot token', () => {
    expect(loginHash(fields, token)).to.equal(fields.hash);
  });

  it('takes the known payload within its day, with the person\'s Telegram id and user name', () => {
    const check = checkTelegramLogin(fields, token, hourLater);
    expect(check).to.deep.equal({ ok: true, user: { id: '42', username: 'username', firstName: 'John', lastName: 'Smith', authDate: 1565810688, hash: fields.hash } });
  });

  it('takes the same fields as numbers, as the widget\'s JavaScript callback gives them', () => {
    expect(checkTelegramLogin({ ...fields, id: 42, auth_date: 1565810688 }, token, hourLater).ok).to.equal(true);
  });

  it('refuses a payload signed for another bot, a changed field, a dropped field or an added one as forged', () => {
    const forged = (received: unknown) => checkTelegramLogin(received, token, hourLater);
    expect(checkTelegramLogin(fields, '654321:another-bot-token', hourLater)).to.deep.equal({ ok: false, reason: 'forged' });
    expect(forged({ ...fields, id: '43' })).to.deep.equal({ ok: false, reason: 'forged' });
    const { username: _dropped, ...withoutUsername } = fields;
    expect(forged(withoutUsername), 'aiogram\'s failing case: username left out').to.deep.equal({ ok: false, reason: 'forged' });
    expect(forged({ ...fields, is_admin: 'true' })).to.deep.equal({ ok: false, reason: 'forged' });
    expect(forged({ ...fields, hash: fields.hash!.replace(/^./, (c) => (c === '0' ? '1' : '0')) })).to.deep.equal({ ok: false, reason: 'forged' });
  });

  it('refuses a payload more than a day old, even correctly signed', () => {
    const dayAndASecond = new Date(signedAt.getTime() + 86_401_000);
    expect(checkTelegramLogin(fields, token, dayAndASecond)).to.deep.equal({ ok: false, reason: 'expired' });
    expect(checkTelegramLogin(fields, token, new Date(signedAt.getTime() + 86_400_000)).ok, 'exactly a day').to.equal(true);
  });

  it('refuses what is not a widget payload at all', () => {
    for (const received of [null, 'id=42', [fields], {}, { ...fields, hash: 'xyz' }, { ...fields, id: 'abc' }, { ...fields, auth_date: '' },
      { ...fields, first_name: { nested: true } }, { ...fields, photo_url: 'x'.repeat(2000) }]) {
      expect(checkTelegramLogin(received, token, hourLater), JSON.stringify(received).slice(0, 80)).to.deep.equal({ ok: false, reason: 'malformed' });
    }
  });
});
