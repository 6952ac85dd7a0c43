package dev.p2pdma.p2pdma;

import dev.p2pdma.base.KernelLog;
import dev.p2pdma.base.Errno;
import dev.p2pdma.pci.PciAddress;
import dev.p2pdma.pci.PciFunction;
import java.util.Optional;

/**
 * Models pci_p2pdma_enable_store() and pci_p2pdma_enable_show() (spec 1.15): the parser behind
 * configfs/sysfs attributes such as nvmet's {@code p2pmem}, which take a PCI device name or a
 * boolean.
 *
 * <p>Stateless; thread-safe as far as the registry it reads is.
 */
public final class P2pDmaEnable {

    private P2pDmaEnable() {
    }

    /** What a store did to the caller's two outputs. */
    public sealed interface StoreResult permits UseDevice, UseFlag, Rejected {
    }

    /**
     * A device was named and has published p2pmem: {@code use = true}, {@code p2p_dev = device}.
     *
     * @param device the provider to use
     */
    public record UseDevice(PciAddress device) implements StoreResult {
    }

    /**
     * A boolean was given: {@code use} is set, the device output is left as it was.
     *
     * @param use whether to use P2PDMA
     */
    public record UseFlag(boolean use) implements StoreResult {
    }

    /**
     * The store failed; the caller keeps its previous values.
     *
     * @param errno always ENODEV
     */
    public record Rejected(Errno errno) implements StoreResult {
    }

    /**
     * Models pci_p2pdma_enable_store().
     *
     * <ol>
     *   <li>{@code text} names a PCI function (its full name, one trailing newline allowed, as
     *       sysfs_streq() compares): accepted if it has published p2pmem, else error
     *       "{@code <prefix>: PCI device has no peer-to-peer memory: <text>}" and ENODEV;</li>
     *   <li>else text starting with '0' or '1' followed by a non-control character (a device name
     *       that does not exist) goes to step 4;</li>
     *   <li>else a kstrtobool() value (first character y/Y/t/T/1, n/N/f/F/0, or "on"/"off" in any
     *       case) is accepted;</li>
     *   <li>else error "{@code pci-p2pdma: No such PCI device: <text up to the first newline>}"
     *       and ENODEV.</li>
     * </ol>
     * The device error line prints the text with one trailing newline dropped (the kernel prints it
     * as given, newline included).
     */
    public static StoreResult store(String text, P2pDmaProviders providers, KernelLog log) {
        Optional<PciFunction> named = deviceNamed(text, providers);
        if (named.isPresent()) {
            PciFunction f = named.get();
            if (!providers.finder().hasP2pmem(f.address())) {
                log.print(f.logPrefix() + ": PCI device has no peer-to-peer memory: " + withoutTrailingNewline(text));
                return new Rejected(Errno.ENODEV);
            }
            return new UseDevice(f.address());
        }
        boolean looksLikeName = text.length() >= 2 && (text.charAt(0) == '0' || text.charAt(0) == '1') && !isControl(text.charAt(1));
        if (!looksLikeName) {
            Optional<Boolean> flag = kstrtobool(text);
            if (flag.isPresent()) {
                return new UseFlag(flag.get());
            }
        }
        int nl = text.indexOf('\n');
        log.print("pci-p2pdma: No such PCI device: " + (nl < 0 ? text : text.substring(0, nl)));
        return new Rejected(Errno.ENODEV);
    }

    /**
     * Models pci_p2pdma_enable_show(): "0\n" when not used, "1\n" when used without a device,
     * else the device name and a newline.
     */
    public static String show(boolean use, Optional<PciAddress> device) {
        if (!use) {
            return "0\n";
        }
        return device.map(d -> d + "\n").orElse("1\n");
    }

    /** Models kstrtobool(): the value of the first one or two characters, or empty (-EINVAL). */
    static Optional<Boolean> kstrtobool(String s) {
        if (s.isEmpty()) {
            return Optional.empty();
        }
        switch (s.charAt(0)) {
            case 'y', 'Y', 't', 'T', '1':
                return Optional.of(true);
            case 'n', 'N', 'f', 'F', '0':
                return Optional.of(false);
            case 'o', 'O':
                if (s.length() < 2) {
                    return Optional.empty();
                }
                char c = Character.toLowerCase(s.charAt(1));
                return c == 'n' ? Optional.of(true) : c == 'f' ? Optional.of(false) : Optional.empty();
            default:
                return Optional.empty();
        }
    }

    /** Models bus_find_device_by_name() on the PCI bus: the function whose full name equals the text (sysfs_streq()). */
    private static Optional<PciFunction> deviceNamed(String text, P2pDmaProviders providers) {
        String name = withoutTrailingNewline(text);
        return PciAddress.tryParse(name).filter(a -> a.toString().equals(name)).flatMap(a -> providers.topology().function(a));
    }

    private static String withoutTrailingNewline(String s) {
        return s.endsWith("\n") ? s.substring(0, s.length() - 1) : s;
    }

    /** The kernel's iscntrl(): C0 controls, DEL and the Latin-1 C1 controls. */
    private static boolean isControl(char c) {
        return c < 0x20 || (c >= 0x7f && c <= 0x9f);
    }
}
