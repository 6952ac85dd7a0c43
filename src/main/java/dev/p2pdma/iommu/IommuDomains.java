package dev.p2pdma.iommu;

import dev.p2pdma.pci.PciAddress;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntFunction;

/**
 * One default domain per IOMMU group (iommu_group_alloc_default_domain()): the grouping is an
 * input (PCI address → group id, e.g. the captured iommu_groups or the groups model), and each
 * group's domain is made on first use by the given factory, so every device of a group shares it.
 *
 * <p>Invariant: a group has at most one domain. Thread-safe.
 */
public final class IommuDomains {

    /** Group of every device. */
    private final Map<PciAddress, Integer> groups;
    /** Makes the domain of a group. */
    private final IntFunction<IommuDomain> factory;
    /** Domains made so far. */
    private final ConcurrentHashMap<Integer, IommuDomain> domains = new ConcurrentHashMap<>();

    private IommuDomains(Map<PciAddress, Integer> groups, IntFunction<IommuDomain> factory) {
        this.groups = Map.copyOf(groups);
        this.factory = factory;
    }

    /** Domains for {@code groups}, each made by {@code factory(groupId)}. */
    public static IommuDomains of(Map<PciAddress, Integer> groups, IntFunction<IommuDomain> factory) {
        return new IommuDomains(Objects.requireNonNull(groups, "groups"), Objects.requireNonNull(factory, "factory"));
    }

    /** The group of {@code device}, empty when it has none (no IOMMU translation for it). */
    public Optional<Integer> groupOf(PciAddress device) {
        return Optional.ofNullable(groups.get(device));
    }

    /** Models iommu_get_dma_domain(dev): the default domain of the device's group, empty without a group. */
    public Optional<IommuDomain> domainOf(PciAddress device) {
        Integer g = groups.get(device);
        if (g == null) {
            return Optional.empty();
        }
        return Optional.of(domains.computeIfAbsent(g, factory::apply));
    }

    /** The domains made so far, by group. */
    public Map<Integer, IommuDomain> domains() {
        return new TreeMap<>(domains);
    }
}
