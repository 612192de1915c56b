/** What an emailed code may be spent on; a code of one purpose never works for another. */
export const OTP_PURPOSES = ['login', 'password_reset', 'account_deletion'] as const;

export type OtpPurpose = (typeof OTP_PURPOSES)[number];

/** Every purpose a stored code may have: the above, and the second step of a held sign-in (never requested by itself). */
export type CodePurpose = OtpPurpose | 'step_up';
