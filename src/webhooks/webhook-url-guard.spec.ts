import { addressRefusal, urlRefusal, urlSyntaxRefusal } from './webhook-url-guard';

const strict = { allowInsecure: false };
const insecure = { allowInsecure: true };

describe('webhook URL guard', () => {
  it.each(['10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', 'fc00::1', 'fd12:3456::1', 'fe80::1', '::', '::ffff:10.0.0.1', '::ffff:169.254.169.254', '224.0.0.1'])(
    'refuses the private, link-local or special address %s, whatever the setting',
    (address) => {
      expect(addressRefusal(address, strict)).toMatch(/private, link-local or reserved/);
      expect(addressRefusal(address, insecure)).toMatch(/private, link-local or reserved/);
    },
  );

  it.each(['127.0.0.1', '127.8.9.10', '::1', '::ffff:127.0.0.1'])('refuses loopback %s unless insecure receivers are allowed', (address) => {
    expect(addressRefusal(address, strict)).toMatch(/loopback/);
    expect(addressRefusal(address, insecure)).toBeNull();
  });

  it.each(['8.8.8.8', '172.32.0.1', '2606:4700::1111', '192.169.0.1'])('accepts the public address %s', (address) => {
    expect(addressRefusal(address, strict)).toBeNull();
  });

  it('accepts https only, http when insecure receivers are allowed; no credentials, no other schemes', () => {
    expect(urlSyntaxRefusal('https://hooks.example.com/x', strict)).toBeNull();
    expect(urlSyntaxRefusal('http://hooks.example.com/x', strict)).toBe('must be an https:// URL');
    expect(urlSyntaxRefusal('http://127.0.0.1:8080/x', insecure)).toBeNull();
    expect(urlSyntaxRefusal('http://93.184.215.14/x', insecure)).toMatch(/http:\/\/ only reaches loopback/);
    expect(urlSyntaxRefusal('ftp://hooks.example.com/x', insecure)).toBe('must be an https:// URL');
    expect(urlSyntaxRefusal('https://user:pw@hooks.example.com/', strict)).toBe('must not carry credentials');
    expect(urlSyntaxRefusal('not a url', strict)).toBe('must be an absolute URL');
    expect(urlSyntaxRefusal('https://[::1]:8443/', strict)).toMatch(/loopback/);
    expect(urlSyntaxRefusal('https://169.254.169.254/latest/meta-data', insecure)).toMatch(/link-local/);
  });

  it('resolves the host and refuses it when any of its addresses is refused (checked again at each delivery)', async () => {
    let answer = ['93.184.215.14'];
    const resolver = async () => answer;
    expect(await urlRefusal('https://hooks.example.com/', strict, resolver)).toBeNull();
    answer = ['93.184.215.14', '10.0.0.5'];
    expect(await urlRefusal('https://hooks.example.com/', strict, resolver)).toMatch(/10\.0\.0\.5/);
    answer = ['127.0.0.1'];
    expect(await urlRefusal('https://hooks.example.com/', strict, resolver)).toMatch(/loopback/);
    expect(await urlRefusal('https://hooks.example.com/', insecure, resolver)).toBeNull();
    expect(await urlRefusal('http://hooks.example.com/', insecure, resolver)).toBeNull();
    answer = ['93.184.215.14'];
    expect(await urlRefusal('http://hooks.example.com/', insecure, resolver)).toMatch(/only reaches loopback/);
    const failing = async () => Promise.reject(Object.assign(new Error('nx'), { code: 'ENOTFOUND' }));
    expect(await urlRefusal('https://nowhere.invalid/', strict, failing)).toMatch(/does not resolve \(ENOTFOUND\)/);
  });
});
