package dev.p2pdma.nvme;

/**
 * The controller- and module-wide settings nvme_map_data() consults (spec 6.6, 6.7).
 *
 * <p>Invariant: {@code sglThreshold >= 0}. Immutable and thread-safe.
 *
 * @param sglSupported  nvme_ctrl_sgl_supported(): Identify Controller SGLS bits 0-1
 * @param sglThreshold  module parameter sgl_threshold in bytes (default 32768; 0 = no SGLs for block I/O)
 */
public record NvmeDataParams(boolean sglSupported, int sglThreshold) {

    /** The default of the sgl_threshold module parameter. */
    public static final int DEFAULT_SGL_THRESHOLD = 32768;

    /** Checks the invariant. */
    public NvmeDataParams {
        if (sglThreshold < 0) {
            throw new IllegalArgumentException("sgl_threshold is unsigned: " + sglThreshold);
        }
    }

    /** The controller's SGL support with the default sgl_threshold. */
    public static NvmeDataParams of(NvmeIdentity id) {
        return new NvmeDataParams(id.sglSupported(), DEFAULT_SGL_THRESHOLD);
    }

    /** These parameters with another sgl_threshold. */
    public NvmeDataParams withSglThreshold(int value) {
        return new NvmeDataParams(sglSupported, value);
    }
}
