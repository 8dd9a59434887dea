/** Masking for logs and for roles that may not see personal data. */
export const maskPhone = (p: string): string => (p.length >= 11 ? `${p.slice(0, 3)}****${p.slice(-4)}` : '***');
export const maskHash = (h: string): string => `${h.slice(0, 8)}…`;
export const maskIp = (ip: string): string => {
  const v4 = ip.split('.');
  if (v4.length === 4) return `${v4[0]}.${v4[1]}.*.*`;
  const v6 = ip.split(':');
  return `${v6.slice(0, 3).join(':')}:*`;
};
