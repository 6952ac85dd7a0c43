package dev.p2pdma.pci;

/**
 * What is known of a function's ACS capability: present with its registers, known absent,
 * present but with a Control register the kernel cannot read, or unknown (config space not
 * captured far enough, or an importer that does not carry it).
 */
public sealed interface AcsState {

    /** The capability exists; both registers as read (control already reflects boot-time setup). */
    record Present(int capabilityBits, int controlBits) implements AcsState {
        public Present {
            if ((capabilityBits & ~0xffff) != 0 || (controlBits & ~0xffff) != 0) {
                throw new IllegalArgumentException("ACS registers are 16-bit");
            }
        }
    }

    /** The extended capability list was read completely and has no ACS capability. */
    record Absent() implements AcsState {
    }

    /**
     * The capability exists but the kernel's config read of its ACS Control register fails
     * (pci_read_config_word() returns an error, e.g. for a device that dropped off the link).
     * Linux 6.12 ignores the error and sees the error response, all ones
     * ({@link #ERROR_RESPONSE_CONTROL}, PCI_SET_ERROR_RESPONSE in drivers/pci/access.c); the
     * proposed directional ACS rule (spec 12.2 R1) refuses the path instead.
     *
     * @param capabilityBits the ACS Capability register as read
     * @param reason         why the Control register cannot be read, in words
     */
    record Unreadable(int capabilityBits, String reason) implements AcsState {
        /** The value a failed 16-bit config read leaves behind: all ones. */
        public static final int ERROR_RESPONSE_CONTROL = 0xffff;

        public Unreadable {
            if ((capabilityBits & ~0xffff) != 0) {
                throw new IllegalArgumentException("ACS registers are 16-bit");
            }
        }
    }

    /**
     * Nobody can tell from the input.
     *
     * @param reason why, in words, e.g. "config space is 64 bytes (captured without root)"
     */
    record Unknown(String reason) implements AcsState {
    }

    /** The known-absent singleton. */
    AcsState ABSENT = new Absent();
}
