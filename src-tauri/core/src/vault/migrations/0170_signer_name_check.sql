-- The typed-name check at signing: a typed name must match the signer's name (ignoring case, spacing,
-- punctuation and accents) unless the signer confirms that the name typed is their legal name. That
-- confirmation is kept with the signature and hashed into its evidence record. NULL: signed before this
-- check existed (their evidence records were hashed without it) or not signed yet.
ALTER TABLE consent_signers ADD COLUMN other_name_confirmed INTEGER CHECK (other_name_confirmed IN (0, 1));
