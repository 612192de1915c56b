/** What an emailed code may be spent on; a code of one purpose never works for another. */
export const OTP_PURPOSES = ['login', 'password_reset', 'account_deletion'] as const;

export type OtpPurpose = (typeof OTP_PURPOSES)[number];
