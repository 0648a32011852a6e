package dev.moco.downstream.canvas;

import dev.moco.core.data.FashionMnist;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * The garment classes a transfer head tells apart: Fashion-MNIST labels, in the order of the
 * head's channels. Canvases keep the labels they were drawn with (semantic value and COCO
 * category id label + 1), and a head of {@link #count()} classes scores channel {@code c} as
 * label {@link #label(int) label(c)}: on canvases of the novel classes 5..9 a five-class head
 * is trained and scored, and its detections carry the labels' own category ids.
 *
 * <pre>{@code
 * GarmentClasses novel = GarmentClasses.of(5, 6, 7, 8, 9);
 * novel.channel(7);    // 2
 * novel.label(2);      // 7
 * }</pre>
 *
 * @param labels the labels, one per channel, each once, within 0..{@value CanvasSpec#GARMENT_CLASSES}−1
 */
public record GarmentClasses(List<Integer> labels) {

    /** Every Fashion-MNIST class, channel = label. */
    public static final GarmentClasses ALL = first(CanvasSpec.GARMENT_CLASSES);

    public GarmentClasses {
        labels = List.copyOf(labels);
        if (labels.isEmpty()) {
            throw new IllegalArgumentException("no garment classes chosen: name at least one label");
        }
        for (int label : labels) {
            if (label < 0 || label >= CanvasSpec.GARMENT_CLASSES) {
                throw new IllegalArgumentException("garment class " + label + " is not a Fashion-MNIST label (0.."
                        + (CanvasSpec.GARMENT_CLASSES - 1) + ")");
            }
            if (labels.indexOf(label) != labels.lastIndexOf(label)) {
                throw new IllegalArgumentException("garment class " + label + " is listed twice");
            }
        }
    }

    /** The classes {@code labels}, channel i for {@code labels[i]}. */
    public static GarmentClasses of(int... labels) {
        return new GarmentClasses(Arrays.stream(labels).boxed().toList());
    }

    /** Labels 0..{@code count}−1, channel = label. */
    public static GarmentClasses first(int count) {
        return of(IntStream.range(0, count).toArray());
    }

    /** How many classes: the head's class channels (segmentation adds one for the background). */
    public int count() {
        return labels.size();
    }

    /** The label of head channel {@code channel}. */
    public int label(int channel) {
        return labels.get(channel);
    }

    /**
     * The head channel of {@code label}.
     *
     * @throws IllegalArgumentException if {@code label} is not one of these classes (a canvas
     *     with a garment the head was not built for)
     */
    public int channel(int label) {
        int channel = labels.indexOf(label);
        if (channel < 0) {
            throw new IllegalArgumentException("a garment of class " + label + " is not one of the head's classes "
                    + this + "; build the canvases from these classes only");
        }
        return channel;
    }

    /** The Fashion-MNIST name of head channel {@code channel}. */
    public String name(int channel) {
        return FashionMnist.CLASS_NAMES.get(label(channel));
    }

    /** "5,6,7,8,9", as the command line takes them. */
    @Override
    public String toString() {
        return labels.stream().map(Object::toString).collect(Collectors.joining(","));
    }
}
