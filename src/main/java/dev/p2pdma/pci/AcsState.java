package dev.p2pdma.pci;

/**
 * What is known of a function's ACS capability: present with its registers, known absent, or
 * unknown (config space not captured far enough, or an importer that does not carry it).
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
     * Nobody can tell from the input.
     *
     * @param reason why, in words, e.g. "config space is 64 bytes (captured without root)"
     */
    record Unknown(String reason) implements AcsState {
    }

    /** The known-absent singleton. */
    AcsState ABSENT = new Absent();
}
