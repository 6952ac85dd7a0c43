package dev.p2pdma.p2pdma;

import dev.p2pdma.pci.PciAddress;
import java.util.List;

/**
 * The decision for one (provider, client) pair with everything a person needs to understand it.
 *
 * @param provider     the function that owns the memory
 * @param client       the function that would DMA to it
 * @param mapType      the kernel's map type
 * @param distance     the kernel's distance
 * @param path         the route: provider, bridges up to the common one (or the host bridge name(s)), down to the client
 * @param commonUpstream the nearest common upstream device, when there is one
 * @param acsRedirecting functions on the examined path whose ACS redirects, in the kernel's order
 * @param kernelLog    the lines the kernel prints for this pair when asked verbosely, verbatim (with device prefix)
 * @param reasons      the kernel lines plus our explanation of the route and of every assumption used
 * @param steps        the upstream walk, step by step, for {@code p2pdma explain}
 */
public record P2pVerdict(PciAddress provider, PciAddress client, MapType mapType, int distance, List<String> path,
                         java.util.Optional<PciAddress> commonUpstream, List<PciAddress> acsRedirecting,
                         List<String> kernelLog, List<String> reasons, List<String> steps) {

    public P2pVerdict {
        path = List.copyOf(path);
        acsRedirecting = List.copyOf(acsRedirecting);
        kernelLog = List.copyOf(kernelLog);
        reasons = List.copyOf(reasons);
        steps = List.copyOf(steps);
    }
}
