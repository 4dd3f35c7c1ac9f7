/**
 * Passwords that appear at the top of every published breach-frequency list, written out by hand
 * (lower case). Provisioning refuses a password that is one of these once case, surrounding
 * digits and symbols, and common letter-for-digit swaps are taken away, so "Password1234!" and
 * "P@ssw0rd2024" are refused as "password". Small on purpose: the length rule (≥ 12) does most of
 * the work; this catches the padded forms of the usual suspects.
 */
export const COMMON_PASSWORDS: ReadonlySet<string> = new Set(
  `
123456 password 123456789 12345678 12345 qwerty 1234567 111111 1234567890 123123 abc123 1234
password1 iloveyou 1q2w3e4r 000000 qwerty123 zaq12wsx dragon sunshine princess letmein 654321
monkey 1qaz2wsx 123321 qwertyuiop superman asdfghjkl trustno1 football baseball welcome shadow
master michael jordan hunter killer ashley bailey passw0rd charlie aa123456 donald qazwsx mustang
access batman starwars 121212 flower hottie loveme 666666 7777777 888888 freedom whatever nicole
jessica hello login admin administrator welcome1 solo abc12345 secret changeme default root toor
test test123 guest pass pass123 password123 password12 password1234 p@ssw0rd qwerty1 qwerty12
1q2w3e 1q2w3e4r5t 1q2w3e4r5t6y q1w2e3r4 q1w2e3r4t5y6 asdf1234 zxcvbnm zxcvbn asdfgh qwert
11111111 12341234 123qwe qweasd qweasdzxc computer internet samsung google iphone liverpool chelsea
arsenal manchester london england summer winter spring autumn football1 soccer hockey tigger pepper
ginger cookie chocolate banana orange purple yellow matrix maverick thomas robert daniel andrew
joshua jennifer amanda hannah michelle buster harley ranger yankees dallas austin thunder taylor
lovely angel angels babygirl sweety family forever blink182 pokemon naruto minecraft abcdef
abcd1234 aaaaaa abcdefg abcdefgh qwertyu qwertyui welcome123 admin123 admin1234 root123 letmein123
changeme123 default1 qwertyuiop123 123456789012 1234567890123 qwerty123456 password12345
iloveyou1234 passwordpassword qazwsxedcrfv 1qaz2wsx3edc zaq1xsw2cde3 asdfghjkl123 abcdefghijkl
aaaaaaaaaaaa 111111111111 000000000000 welcomewelcome letmeinletmein correcthorsebatterystaple
trustno1trustno1 shopwatch shopwatch123 security password! monday tuesday friday sunday
january february march april june july august september october november december
`
    .trim()
    .split(/\s+/),
);
