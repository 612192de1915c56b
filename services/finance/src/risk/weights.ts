/**
 * Every weight and threshold of the fraud score, in one place. Why each is what it is:
 * docs/fraud-scoring.md. A reason's weight is the points it adds; the score is their sum, at most 100.
 */
export const RISK = {
  /** A score from here on is `elevated`. */
  elevatedFrom: 40,
  /** SECURITY_ALERT_THRESHOLD's default: a score from here on is flagged (`high`). */
  defaultAlertThreshold: 70,
  /** Expenses a user must have before the signals that compare with their history speak. */
  minHistory: 20,
  /** Amounts kept per scope for the median and MAD. */
  sampleSize: 64,
  /** Amounts kept per merchant. */
  merchantSampleSize: 16,
  amountOutlier: {
    /** Amounts in a category before it is its own baseline; below, all expenses are. */
    minCategorySamples: 8,
    /** Amounts at a merchant before it is its own baseline (it comes before the category's). */
    minMerchantSamples: 4,
    /**
     * Below their own minimums, a merchant with this many amounts, or a category with
     * minFewCategorySamples, still says what is normal: up to fewSamplesSpan × its largest is no outlier.
     */
    minFewMerchantSamples: 1,
    minFewCategorySamples: 2,
    fewSamplesSpan: 2,
    /** Robust z-score (median, MAD × 1.4826) an amount must reach... */
    minZ: 4,
    /** ...and this many times the median. */
    minRatio: 2.5,
    /** The MAD is at least this share of the median, so a fixed-price habit does not make every cent an outlier. */
    madFloorShare: 0.1,
    baseWeight: 25,
    /** Points for each further multiple of the median past minRatio. */
    weightPerRatio: 10,
    maxWeight: 75,
  },
  velocity: {
    shortWindowMs: 10 * 60_000,
    longWindowMs: 60 * 60_000,
    /** Charges (this one included) in the short window before it counts... */
    shortMinCount: 4,
    longMinCount: 6,
    /** ...and this many times what the user's usual rate expects there. */
    rateMultiple: 5,
    /** Points per charge in the window past the first `free` ones. */
    shortWeightPerCharge: 15,
    shortFreeCharges: 1,
    longWeightPerCharge: 10,
    longFreeCharges: 3,
    maxWeight: 75,
  },
  duplicate: { windowMs: 10 * 60_000, weight: 70 },
  cardTesting: {
    /** "Small", in major units of the account's currency. */
    smallBelowMajor: 2,
    windowMs: 10 * 60_000,
    minSmallCharges: 3,
    weight: 80,
  },
  newMerchant: { minWeight: 5, baseWeight: 10, weightPerDoubling: 8, maxWeight: 35 },
  newLocation: {
    /** Located transactions before a new place means anything. */
    minLocated: 5,
    countryWeight: 55,
    cityWeight: 15,
  },
  unusualHour: {
    /** Expenses in the hour histogram before it speaks. */
    minExpenses: 30,
    /** The hour and its two neighbours together held less than this share of the user's spending. */
    maxShare: 0.01,
    weight: 20,
  },
  /** Only flagged rows that occurred this recently raise an alert when imported. */
  importAlertWindowMs: 72 * 3_600_000,
} as const;
